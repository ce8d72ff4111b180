#include "tiles.hpp"

#include <algorithm>
#include <utility>

namespace kmeans {

namespace {

// On x86-64, the loops below have a clone for AVX2 (four distances per
// instruction, comparisons included), picked at load time where the
// processor has it, and one for any x86-64.
#if defined(__x86_64__) && (defined(__GNUC__) || defined(__clang__))
#define KMEANS_SIMD_CLONES __attribute__((target_clones("avx2", "default")))
#else
#define KMEANS_SIMD_CLONES
#endif

// One candidate `c` (number `number`) against a tile of two-feature points
// (x, y): the nearest so far goes from (best, index) to (best_out,
// index_out). Every value is written, whichever is nearer, into other
// arrays than those read, and all pointers are restrict: only then does GCC
// vectorise the loop without branches.
KMEANS_SIMD_CLONES
void closer_2d(const double* __restrict x, const double* __restrict y, const double* c,
               double number, const double* __restrict best, const double* __restrict index,
               double* __restrict best_out, double* __restrict index_out) {
  const double cx = c[0], cy = c[1];
  for (std::int64_t i = 0; i < tile_rows; ++i) {
    const double tx = x[i] - cx, ty = y[i] - cy;
    const double d = tx * tx + ty * ty;
    best_out[i] = d < best[i] ? d : best[i];
    index_out[i] = d < best[i] ? number : index[i];
  }
}

// The same for any number of features (coords: one row of tile_rows per
// feature).
KMEANS_SIMD_CLONES
void closer_any(const double* __restrict coords, std::int64_t features, const double* c,
                double number, const double* __restrict best, const double* __restrict index,
                double* __restrict best_out, double* __restrict index_out) {
  alignas(64) double d2[tile_rows] = {};
  for (std::int64_t f = 0; f < features; ++f)
    for (std::int64_t i = 0; i < tile_rows; ++i) {
      const double t = coords[f * tile_rows + i] - c[f];
      d2[i] += t * t;
    }
  for (std::int64_t i = 0; i < tile_rows; ++i) {
    best_out[i] = d2[i] < best[i] ? d2[i] : best[i];
    index_out[i] = d2[i] < best[i] ? number : index[i];
  }
}

} // namespace

KMEANS_SIMD_CLONES
void split_pairs(const double* __restrict pairs, std::int64_t n, double* __restrict a,
                 double* __restrict b) {
  for (std::int64_t i = 0; i < n; ++i) {
    a[i] = pairs[2 * i];
    b[i] = pairs[2 * i + 1];
  }
}

KMEANS_SIMD_CLONES
void join_pairs(const double* __restrict a, const double* __restrict b, std::int64_t n,
                double* __restrict pairs) {
  for (std::int64_t i = 0; i < n; ++i) {
    pairs[2 * i] = a[i];
    pairs[2 * i + 1] = b[i];
  }
}

void move_to_nearer(const point_tile& tile, const double* candidates, std::int64_t count,
                    std::int64_t first, double* __restrict best, double* __restrict index) {
  alignas(64) double other_best[tile_rows], other_index[tile_rows];
  double *best_in = best, *index_in = index, *best_out = other_best, *index_out = other_index;
  const std::int64_t features = tile.features();
  for (std::int64_t j = 0; j < count; ++j) {
    const double* c = candidates + j * features;
    const auto number = static_cast<double>(first + j);
    if (features == 2)
      closer_2d(tile.feature(0), tile.feature(1), c, number, best_in, index_in, best_out,
                index_out);
    else
      closer_any(tile.feature(0), features, c, number, best_in, index_in, best_out, index_out);
    std::swap(best_in, best_out);
    std::swap(index_in, index_out);
  }
  if (best_in != best) {
    std::copy(best_in, best_in + tile_rows, best);
    std::copy(index_in, index_in + tile_rows, index);
  }
}

} // namespace kmeans
