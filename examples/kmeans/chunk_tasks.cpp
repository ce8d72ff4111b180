#include "chunk_tasks.hpp"

#include <algorithm>
#include <limits>
#include <stdexcept>
#include <string>

#include "random_bits.hpp"
#include "tiles.hpp"

namespace kmeans {

namespace {

std::int64_t features_of(const chunk& points) {
  if (points.shape.size() != 2 || points.shape[1] < 1)
    throw std::invalid_argument("k-means: the points must be a 2-D array, one row per point");
  return points.shape[1];
}

// Number of points in a flat list of coordinates.
std::int64_t points_in(const flat_points& flat, std::int64_t features, const char* what) {
  if (flat.size() % static_cast<std::size_t>(features) != 0)
    throw std::invalid_argument(std::string{"k-means: the "} + what
                                + " do not have one value per feature");
  return static_cast<std::int64_t>(flat.size()) / features;
}

std::int64_t centres_in(const flat_points& flat, std::int64_t features) {
  std::int64_t k = points_in(flat, features, "centres");
  if (k == 0)
    throw std::invalid_argument("k-means: no centres");
  return k;
}

void check_state(const chunk& points, const chunk& state) {
  if (state.shape != troupe::shape_t{points.shape[0], 2})
    throw std::invalid_argument("k-means: the state chunk does not match the points chunk");
}

// Calls f(first row, rows, best, index) for each tile of the chunk, once
// each point is moved to the nearest of `candidates` (numbered from
// `first`), starting from `state` or, without one, from infinitely far.
template <class F>
void for_each_nearest(const chunk& points, const chunk* state, const flat_points& candidates,
                      std::int64_t first, F&& f) {
  const std::int64_t features = features_of(points);
  const std::int64_t count = points_in(candidates, features, "candidates");
  point_tile tile{features};
  alignas(64) double best[tile_rows], index[tile_rows];
  for (std::int64_t row = 0; row < points.shape[0]; row += tile_rows) {
    const std::int64_t n = tile.load(points, row);
    std::int64_t from_state = 0;  // the rest (and the tile's padding) start far away
    if (state) {
      split_pairs(state->data.data() + 2 * row, n, best, index);
      from_state = n;
    }
    std::fill(best + from_state, best + tile_rows, std::numeric_limits<double>::infinity());
    std::fill(index + from_state, index + tile_rows, 0.0);
    move_to_nearer(tile, candidates.data(), count, first, best, index);
    f(row, n, best, index);
  }
}

chunk nearest_state(const chunk& points, const chunk* state, const flat_points& candidates,
                    std::int64_t first) {
  const std::int64_t rows = points.shape.at(0);
  chunk out{{rows, 2}, {}};
  out.data.reserve(static_cast<std::size_t>(rows) * 2);  // filled once, not zeroed first
  alignas(64) double pairs[2 * tile_rows];
  for_each_nearest(points, state, candidates, first,
                   [&](std::int64_t, std::int64_t n, const double* best, const double* index) {
                     join_pairs(best, index, n, pairs);
                     out.data.insert(out.data.end(), pairs, pairs + 2 * n);
                   });
  return out;
}

} // namespace

chunk nearest_candidate(const chunk& points, const flat_points& candidates) {
  return nearest_state(points, nullptr, candidates, 0);
}

chunk nearer_candidate(const chunk& points, const chunk& state, const flat_points& added,
                       std::int64_t first) {
  check_state(points, state);
  return nearest_state(points, &state, added, first);
}

chunk pick_candidates(const chunk& points, const chunk& state, double scale, std::uint64_t seed,
                      std::int64_t capacity) {
  check_state(points, state);
  const std::int64_t features = features_of(points);
  const std::int64_t rows = points.shape[0];
  chunk out{{capacity + 1, features},
            std::vector<double>(static_cast<std::size_t>((capacity + 1) * features))};
  std::int64_t picked = 0;
  const double* p = points.data.data();
  for (std::int64_t i = 0; i < rows; ++i, p += features) {
    // u < scale x d2 with u uniform on [0, 1): probability min(1, scale x d2).
    double probability = scale * state.data[2 * i];
    if (probability > 0 && point_coin(seed, p, features) < probability) {
      if (picked < capacity)
        std::copy(p, p + features, out.data.begin() + (1 + picked) * features);
      ++picked;
    }
  }
  out.data[0] = static_cast<double>(picked);
  return out;
}

chunk count_nearest(const chunk& points, const chunk& state, const flat_points& added,
                    std::int64_t first, std::int64_t count) {
  check_state(points, state);
  chunk out{{1, count}, std::vector<double>(static_cast<std::size_t>(count))};
  for_each_nearest(points, &state, added, first,
                   [&](std::int64_t, std::int64_t n, const double*, const double* index) {
                     for (std::int64_t i = 0; i < n; ++i) {
                       auto j = static_cast<std::int64_t>(index[i]);
                       if (j < 0 || j >= count)
                         throw std::invalid_argument("k-means: a point's nearest candidate is "
                                                     "not among the candidates");
                       out.data[static_cast<std::size_t>(j)] += 1;
                     }
                   });
  return out;
}

chunk cluster_sums(const chunk& points, const flat_points& centres) {
  const std::int64_t features = features_of(points);
  const std::int64_t k = centres_in(centres, features);
  const std::int64_t width = k * (features + 1);
  // Four sets of sums, taken in turn: consecutive points of one cluster
  // then add into different memory, not each waiting for the last add.
  constexpr std::int64_t sets = 4;
  std::vector<double> sums(static_cast<std::size_t>(sets * width), 0.0);
  for_each_nearest(points, nullptr, centres, 0,
                   [&](std::int64_t row, std::int64_t n, const double*, const double* index) {
                     const double* p = points.data.data() + row * features;
                     for (std::int64_t i = 0; i < n; ++i, p += features) {
                       double* acc = sums.data() + (i % sets) * width
                                     + static_cast<std::int64_t>(index[i]) * (features + 1);
                       for (std::int64_t f = 0; f < features; ++f)
                         acc[f] += p[f];
                       acc[features] += 1;
                     }
                   });
  chunk out{{1, width}, std::vector<double>(static_cast<std::size_t>(width), 0.0)};
  for (std::int64_t s = 0; s < sets; ++s)
    for (std::int64_t v = 0; v < width; ++v)
      out.data[v] += sums[s * width + v];
  return out;
}

troupe::block<std::int64_t> nearest_centre(const chunk& points, const flat_points& centres) {
  const std::int64_t rows = points.shape.at(0);
  centres_in(centres, features_of(points));
  troupe::block<std::int64_t> labels{{rows, 1},
                                     std::vector<std::int64_t>(static_cast<std::size_t>(rows))};
  for_each_nearest(points, nullptr, centres, 0,
                   [&](std::int64_t row, std::int64_t n, const double*, const double* index) {
                     for (std::int64_t i = 0; i < n; ++i)
                       labels.data[row + i] = static_cast<std::int64_t>(index[i]);
                   });
  return labels;
}

TROUPE_TASK(nearest_candidate, nearer_candidate, pick_candidates, count_nearest, cluster_sums,
            nearest_centre);

} // namespace kmeans
