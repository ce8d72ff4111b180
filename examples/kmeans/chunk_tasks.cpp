#include "chunk_tasks.hpp"

#include <algorithm>
#include <limits>
#include <stdexcept>
#include <string>
#include <utility>

#include "random_bits.hpp"
#include "tiles.hpp"

namespace kmeans {

namespace {

std::int64_t features_of(const chunk& points) {
  if (points.shape.size() != 2 || points.shape[1] < 1)
    throw std::invalid_argument("k-means: the points must be a 2-D array, one row per point");
  return points.shape[1];
}

// Number of points in a flat list of coordinates: at least one.
std::int64_t points_in(const flat_points& flat, std::int64_t features, const char* what) {
  if (flat.empty() || flat.size() % static_cast<std::size_t>(features) != 0)
    throw std::invalid_argument(std::string{"k-means: the "} + what
                                + " are not one or more points of the chunk's features");
  return static_cast<std::int64_t>(flat.size()) / features;
}

// Calls f(tile, first row, rows, best, index) for each tile of the chunk, once
// each point's best and index are the squared distance to its nearest
// candidate and that candidate's index.
template <class F>
void for_each_nearest(const chunk& points, const flat_points& candidates, F&& f) {
  const std::int64_t features = features_of(points);
  const std::int64_t count = points_in(candidates, features, "candidates");
  point_tile tile{features};
  alignas(64) double best[tile_rows], index[tile_rows];
  for (std::int64_t row = 0; row < points.shape[0]; row += tile_rows) {
    const std::int64_t n = tile.load(points, row);
    std::fill(best, best + tile_rows, std::numeric_limits<double>::infinity());
    std::fill(index, index + tile_rows, 0.0);
    move_to_nearer(tile, candidates.data(), count, best, index);
    f(tile, row, n, best, index);
  }
}

// The `size` smallest keys offered, with their rows.
class smallest_keys {
public:
  explicit smallest_keys(std::int64_t size) : size_(static_cast<std::size_t>(size)) {
    heap_.reserve(size_);
  }

  /// Keys u / d2 with u > bound() x d2 cannot enter (bound() is a little
  /// above the largest key kept, for rounding).
  double bound() const {
    return heap_.size() == size_ ? heap_.front().first * (1 + 1e-9)
                                 : std::numeric_limits<double>::infinity();
  }

  /// Offers key u / d2 (d2 > 0) for `row`.
  void offer(double u, double d2, std::int64_t row) {
    if (heap_.size() == size_) {
      if (u > bound() * d2)  // as most points: no need to divide
        return;
      std::pair key{u / d2, row};
      if (!(key < heap_.front()))
        return;
      std::pop_heap(heap_.begin(), heap_.end());
      heap_.back() = key;
    } else {
      heap_.emplace_back(u / d2, row);
    }
    std::push_heap(heap_.begin(), heap_.end());
  }

  /// (key, row) by increasing key.
  std::vector<std::pair<double, std::int64_t>> sorted() {
    std::sort_heap(heap_.begin(), heap_.end());
    return std::move(heap_);
  }

private:
  std::size_t size_;
  std::vector<std::pair<double, std::int64_t>> heap_;  // a max-heap: the largest key on top
};

// Sum of v[0, n) in four running sums: the adds do not wait on each other.
double sum_of(const double* v, std::int64_t n) {
  double part[4] = {};
  std::int64_t i = 0;
  for (; i + 4 <= n; i += 4)
    for (int l = 0; l < 4; ++l)
      part[l] += v[i + l];
  for (; i < n; ++i)
    part[0] += v[i];
  return (part[0] + part[1]) + (part[2] + part[3]);
}

} // namespace

chunk sample_candidates(const chunk& points, const flat_points& candidates, std::uint64_t seed,
                        std::int64_t shortlist) {
  const std::int64_t features = features_of(points);
  if (shortlist < 1)
    throw std::invalid_argument("k-means||: the shortlist must have room for a point");
  smallest_keys keys{shortlist};
  double cost = 0;
  for_each_nearest(points, candidates,
                   [&](const point_tile& tile, std::int64_t row, std::int64_t n, const double* best,
                       const double*) {
                     alignas(64) double coin[tile_rows];
                     tile_coins(tile, seed, coin);
                     cost += sum_of(best, n);
                     // Once the list is full, most tiles have no point that
                     // could enter it: one SIMD pass tells.
                     if (count_below(coin, best, keys.bound()) == 0)
                       return;
                     for (std::int64_t i = 0; i < n; ++i)
                       if (best[i] > 0)
                         keys.offer(coin[i], best[i], row + i);
                   });
  const std::int64_t width = features + 1;
  chunk out{{shortlist + 1, width},
            std::vector<double>(static_cast<std::size_t>((shortlist + 1) * width),
                                std::numeric_limits<double>::infinity())};
  std::fill(out.data.begin(), out.data.begin() + width, 0.0);
  out.data[0] = cost;
  double* to = out.data.data() + width;
  for (auto [key, row] : keys.sorted()) {
    const double* p = points.data.data() + row * features;
    to[0] = key;
    std::copy(p, p + features, to + 1);
    to += width;
  }
  return out;
}

chunk count_nearest(const chunk& points, const flat_points& candidates) {
  const std::int64_t m = points_in(candidates, features_of(points), "candidates");
  chunk out{{1, m}, std::vector<double>(static_cast<std::size_t>(m))};
  for_each_nearest(points, candidates,
                   [&](const point_tile&, std::int64_t, std::int64_t n, const double*,
                       const double* index) {
                     for (std::int64_t i = 0; i < n; ++i)
                       out.data[static_cast<std::size_t>(index[i])] += 1;
                   });
  return out;
}

chunk cluster_sums(const chunk& points, const flat_points& centres) {
  const std::int64_t features = features_of(points);
  const std::int64_t k = points_in(centres, features, "centres");
  const std::int64_t width = k * (features + 1);
  std::vector<double> lanes(static_cast<std::size_t>(width * sum_lanes), 0.0);
  for_each_nearest(points, centres,
                   [&](const point_tile& tile, std::int64_t, std::int64_t n, const double*,
                       const double* index) {
                     alignas(64) double label[tile_rows];
                     for (std::int64_t i = 0; i < tile_rows; ++i)
                       label[i] = i < n ? index[i] : -1;  // the tile's padding: no cluster
                     add_to_clusters(tile, label, k, lanes.data());
                   });
  chunk out{{1, width}, std::vector<double>(static_cast<std::size_t>(width), 0.0)};
  for (std::int64_t v = 0; v < width; ++v)
    for (std::int64_t l = 0; l < sum_lanes; ++l)
      out.data[v] += lanes[v * sum_lanes + l];
  return out;
}

troupe::block<std::int64_t> nearest_centre(const chunk& points, const flat_points& centres) {
  const std::int64_t rows = points.shape.at(0);
  points_in(centres, features_of(points), "centres");
  troupe::block<std::int64_t> labels{{rows, 1},
                                     std::vector<std::int64_t>(static_cast<std::size_t>(rows))};
  for_each_nearest(points, centres,
                   [&](const point_tile&, std::int64_t row, std::int64_t n, const double*,
                       const double* index) {
                     for (std::int64_t i = 0; i < n; ++i)
                       labels.data[row + i] = static_cast<std::int64_t>(index[i]);
                   });
  return labels;
}

TROUPE_TASK(sample_candidates, count_nearest, cluster_sums, nearest_centre);

} // namespace kmeans
