// The inner loops of the k-means tasks. A chunk is row-major (x, y, x, y,
// ...); a tile holds `tile_rows` of its points feature by feature, so each
// loop below runs a fixed number of independent iterations over
// contiguous values: the compiler turns them into SIMD instructions.
#pragma once

#include <algorithm>
#include <cstdint>
#include <vector>

#include <troupe/troupe.hpp>

namespace kmeans {

inline constexpr std::int64_t tile_rows = 256;

/// Splits n pairs (a0, b0, a1, b1, ...) into a[0, n) and b[0, n).
void split_pairs(const double* __restrict pairs, std::int64_t n, double* __restrict a,
                 double* __restrict b);

class point_tile {
public:
  explicit point_tile(std::int64_t features)
    : features_(features), coords_(static_cast<std::size_t>(features * tile_rows), 0.0) {}

  /// Loads rows [first, first + tile_rows) of `points` (fewer at the end of
  /// the chunk; the rest keep old values, to be ignored). Returns how many.
  std::int64_t load(const troupe::block<double>& points, std::int64_t first) {
    const std::int64_t n = std::min(tile_rows, points.shape[0] - first);
    const double* p = points.data.data() + first * features_;
    if (features_ == 2) {
      split_pairs(p, n, coords_.data(), coords_.data() + tile_rows);
      return n;
    }
    for (std::int64_t f = 0; f < features_; ++f)
      for (std::int64_t i = 0; i < n; ++i)
        coords_[f * tile_rows + i] = p[i * features_ + f];
    return n;
  }
  const double* feature(std::int64_t f) const { return coords_.data() + f * tile_rows; }
  std::int64_t features() const { return features_; }

private:
  std::int64_t features_;
  std::vector<double> coords_;
};

/// For each point of the tile, best[i] and index[i] are the squared
/// distance to its nearest candidate so far and that candidate's index;
/// updated with `count` more candidates, indexed from 0. Strictly nearer
/// only: ties keep the lower index. The squared distance adds the features
/// in order, as plain loops do; built without contracting multiply-adds
/// (see examples/CMakeLists.txt), results match such loops bit for bit.
void move_to_nearer(const point_tile& tile, const double* candidates, std::int64_t count,
                    double* __restrict best, double* __restrict index);

/// coins[i] = point_coin(seed, point i) (random_bits.hpp) for every point of
/// the tile, many at once.
void tile_coins(const point_tile& tile, std::uint64_t seed, double* __restrict coins);

/// Running sums of add_to_clusters: each value is kept as `sum_lanes`
/// partial sums (point i goes to partial i % sum_lanes), which SIMD
/// instructions add side by side. The lanes are the same whatever the
/// processor's vector width, so are the sums, to the last bit.
inline constexpr std::int64_t sum_lanes = 8;

/// For each cluster j < k, adds the coordinates of the tile's points with
/// label[i] == j, then their number, to sums[(j * (features + 1) + f) *
/// sum_lanes + lane].
void add_to_clusters(const point_tile& tile, const double* __restrict label, std::int64_t k,
                     double* __restrict sums);

/// How many points i of a tile have coins[i] <= bound x d2[i].
std::int64_t count_below(const double* __restrict coins, const double* __restrict d2,
                         double bound);

} // namespace kmeans
