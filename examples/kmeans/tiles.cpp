#include "tiles.hpp"

#include <cstring>
#include <limits>

#include "random_bits.hpp"

namespace kmeans {

namespace {

// On x86-64, the loops below have clones for AVX-512 (eight points per
// instruction) and AVX2 (four), picked at load time by what the processor
// has, and one for any x86-64 (two).
#if defined(__x86_64__) && (defined(__GNUC__) || defined(__clang__))
#define KMEANS_X86 1
#define KMEANS_SIMD_CLONES __attribute__((target_clones("avx512f", "avx2", "default")))
#else
#define KMEANS_X86 0
#define KMEANS_SIMD_CLONES
#endif

// Moves a point's nearest so far (b: squared distance, at: index) to
// candidate (cx, cy) when that is strictly nearer. Selects, not branches:
// the loops calling this become SIMD code.
inline void consider(double x, double y, double cx, double cy, double number, double& b,
                     double& at) {
  const double tx = x - cx, ty = y - cy;
  const double d = tx * tx + ty * ty;
  at = d < b ? number : at;
  b = d < b ? d : b;
}

// Four candidates (c: x, y each; indices first ...) against a tile of
// two-feature points, the blobs' case. The tile is read once for the four,
// and each point's nearest so far stays in registers. Restrict pointers:
// GCC vectorises the loop only knowing they do not overlap.
KMEANS_SIMD_CLONES
void nearer_of_four(const double* __restrict x, const double* __restrict y, const double* c,
                    double first, double* __restrict best, double* __restrict index) {
  const double cx0 = c[0], cy0 = c[1], cx1 = c[2], cy1 = c[3];
  const double cx2 = c[4], cy2 = c[5], cx3 = c[6], cy3 = c[7];
  for (std::int64_t i = 0; i < tile_rows; ++i) {
    double b = best[i], at = index[i];
    consider(x[i], y[i], cx0, cy0, first, b, at);
    consider(x[i], y[i], cx1, cy1, first + 1, b, at);
    consider(x[i], y[i], cx2, cy2, first + 2, b, at);
    consider(x[i], y[i], cx3, cy3, first + 3, b, at);
    best[i] = b;
    index[i] = at;
  }
}

// One candidate with any number of features (coords: tile_rows values per
// feature).
KMEANS_SIMD_CLONES
void nearer_of_one(const double* __restrict coords, std::int64_t features, const double* c,
                   double number, double* __restrict best, double* __restrict index) {
  alignas(64) double d2[tile_rows] = {};
  for (std::int64_t f = 0; f < features; ++f)
    for (std::int64_t i = 0; i < tile_rows; ++i) {
      const double t = coords[f * tile_rows + i] - c[f];
      d2[i] += t * t;
    }
  for (std::int64_t i = 0; i < tile_rows; ++i) {
    const double b = best[i], at = index[i];
    best[i] = d2[i] < b ? d2[i] : b;
    index[i] = d2[i] < b ? number : at;
  }
}

// point_coin for a tile of points, written once, compiled twice below.
inline __attribute__((always_inline)) void coins_of(const double* __restrict coords,
                                                    std::int64_t features, std::uint64_t seed,
                                                    double* __restrict coins) {
  alignas(64) std::uint64_t h[tile_rows];
  for (std::int64_t i = 0; i < tile_rows; ++i)
    h[i] = seed;
  for (std::int64_t f = 0; f < features; ++f)
    for (std::int64_t i = 0; i < tile_rows; ++i) {
      std::uint64_t bits;
      std::memcpy(&bits, coords + f * tile_rows + i, sizeof bits);
      h[i] = coin_step(h[i], bits);
    }
  for (std::int64_t i = 0; i < tile_rows; ++i)
    coins[i] = to_unit(mix64(h[i]));
}

#if KMEANS_X86
// The hash's 64-bit multiplies have SIMD instructions from AVX-512 DQ on.
// target_clones cannot name that extension: this copy is chosen by hand.
__attribute__((target("avx512f,avx512dq"))) void coins_avx512(const double* __restrict coords,
                                                              std::int64_t features,
                                                              std::uint64_t seed,
                                                              double* __restrict coins) {
  coins_of(coords, features, seed, coins);
}
#endif

// sums[l] += v[i] for i % sum_lanes == l: one SIMD add per sum_lanes values.
inline void add_lanes(const double* __restrict v, double* __restrict sums) {
  double lane[sum_lanes];
  for (std::int64_t l = 0; l < sum_lanes; ++l)
    lane[l] = sums[l];
  for (std::int64_t i = 0; i < tile_rows; i += sum_lanes)
#pragma GCC unroll 8
    for (std::int64_t l = 0; l < sum_lanes; ++l)
      lane[l] += v[i + l];
  for (std::int64_t l = 0; l < sum_lanes; ++l)
    sums[l] = lane[l];
}

} // namespace

void split_pairs(const double* __restrict pairs, std::int64_t n, double* __restrict a,
                 double* __restrict b) {
  for (std::int64_t i = 0; i < n; ++i) {
    a[i] = pairs[2 * i];
    b[i] = pairs[2 * i + 1];
  }
}

void move_to_nearer(const point_tile& tile, const double* candidates, std::int64_t count,
                    double* __restrict best, double* __restrict index) {
  const std::int64_t features = tile.features();
  if (features != 2) {
    for (std::int64_t j = 0; j < count; ++j)
      nearer_of_one(tile.feature(0), features, candidates + j * features,
                    static_cast<double>(j), best, index);
    return;
  }
  for (std::int64_t j = 0; j < count; j += 4) {
    // The last four padded with candidates infinitely far away: never nearer.
    const double far = std::numeric_limits<double>::infinity();
    double four[8] = {far, far, far, far, far, far, far, far};
    for (std::int64_t q = 0; q < 8 && 2 * j + q < 2 * count; ++q)
      four[q] = candidates[2 * j + q];
    nearer_of_four(tile.feature(0), tile.feature(1), four, static_cast<double>(j), best, index);
  }
}

void tile_coins(const point_tile& tile, std::uint64_t seed, double* __restrict coins) {
#if KMEANS_X86
  static const bool avx512 = __builtin_cpu_supports("avx512dq");
  if (avx512)
    return coins_avx512(tile.feature(0), tile.features(), seed, coins);
#endif
  coins_of(tile.feature(0), tile.features(), seed, coins);
}

KMEANS_SIMD_CLONES
std::int64_t count_below(const double* __restrict coins, const double* __restrict d2,
                         double bound) {
  std::int64_t count = 0;  // a count, not a flag: GCC vectorises sums of selects
  for (std::int64_t i = 0; i < tile_rows; ++i)
    count += coins[i] <= bound * d2[i] ? 1 : 0;
  return count;
}

KMEANS_SIMD_CLONES
void add_to_clusters(const point_tile& tile, const double* __restrict label, std::int64_t k,
                     double* __restrict sums) {
  const std::int64_t features = tile.features();
  alignas(64) double in[tile_rows], masked[tile_rows];
  for (std::int64_t j = 0; j < k; ++j) {
    double* to = sums + j * (features + 1) * sum_lanes;
    const auto cluster = static_cast<double>(j);
    for (std::int64_t i = 0; i < tile_rows; ++i)
      in[i] = label[i] == cluster ? 1.0 : 0.0;
    for (std::int64_t f = 0; f < features; ++f) {
      const double* __restrict v = tile.feature(f);
      for (std::int64_t i = 0; i < tile_rows; ++i)
        masked[i] = in[i] * v[i];
      add_lanes(masked, to + f * sum_lanes);
    }
    add_lanes(in, to + features * sum_lanes);  // the count
  }
}

} // namespace kmeans
