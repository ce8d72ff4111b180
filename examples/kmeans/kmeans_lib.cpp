#include "kmeans_lib.hpp"

#include <algorithm>
#include <chrono>
#include <stdexcept>
#include <string>
#include <utility>
#include <vector>

#include "chunk_tasks.hpp"
#include "local_kmeans.hpp"
#include "random_bits.hpp"

namespace kmeans {

namespace {

using troupe::array;
using steady = std::chrono::steady_clock;

double seconds_since(steady::time_point t0) {
  return std::chrono::duration<double>(steady::now() - t0).count();
}

std::int64_t features_of(const array<double>& points) { return points.shape()[1]; }

std::int64_t chunks_of(const array<double>& points) {
  return static_cast<std::int64_t>(points.chunks()[0].size());
}

// Chunks of a map_blocks result with `rows` rows of `width` values for each
// chunk of points.
troupe::chunks_t rows_per_chunk(const array<double>& points, std::int64_t rows,
                                std::int64_t width) {
  return {std::vector<std::int64_t>(static_cast<std::size_t>(chunks_of(points)), rows), {width}};
}

// The points after the first `first`, of a flat list.
std::vector<double> points_from(const std::vector<double>& flat, std::int64_t first,
                                std::int64_t features) {
  return {flat.begin() + first * features, flat.end()};
}

// One k-means|| draw: every point independently with probability
// min(1, scale x its squared distance to the nearest candidate).
std::vector<double> pick(troupe::client& client, const array<double>& points,
                         const array<double>& state, double scale, std::uint64_t seed) {
  const std::int64_t d = features_of(points);
  // About l points in all per round: room for 64 per chunk is almost
  // always enough. When not, the same coins again with more room.
  std::int64_t capacity = 64;
  for (;;) {
    auto got = troupe::map_blocks({.chunks = rows_per_chunk(points, capacity + 1, d)},
                                  pick_candidates, points, state, scale, seed, capacity)
                 .compute(client)
                 .values();
    std::vector<double> picked;
    std::int64_t most = 0;
    for (std::int64_t b = 0; b < chunks_of(points); ++b) {
      const double* rows = got.data() + b * (capacity + 1) * d;
      auto count = static_cast<std::int64_t>(rows[0]);
      most = std::max(most, count);
      picked.insert(picked.end(), rows + d, rows + d + std::min(count, capacity) * d);
    }
    if (most <= capacity)
      return picked;
    capacity = most;
  }
}

// k-means||: candidates sampled in rounds on the cluster, each weighted by
// the number of points nearest to it.
weighted_points sample_candidates(troupe::client& client, const array<double>& points, int k,
                                  const kmeans_options& o, splitmix& rng) {
  const std::int64_t n = points.shape()[0];
  const std::int64_t d = features_of(points);
  const double l = o.oversampling > 0 ? o.oversampling : 2.0 * k;
  const std::int64_t first = rng.below(n);
  std::vector<double> candidates = points(troupe::slice{first, first + 1}).compute(client).values();
  // Per point, the nearest of the first `known` candidates (see chunk_tasks.hpp).
  auto state = troupe::map_blocks(nearest_candidate, points, candidates).persist(client);
  std::int64_t known = 1;
  for (int round = 0; round < o.rounds; ++round) {
    if (round > 0 && known * d < static_cast<std::int64_t>(candidates.size())) {
      state = troupe::map_blocks(nearer_candidate, points, state,
                                 points_from(candidates, known, d), known)
                .persist(client);
      known = static_cast<std::int64_t>(candidates.size()) / d;
    }
    // Summing both columns reads the state in place; slicing the distances
    // out first would copy them. [cost, sum of indices].
    double cost = state.sum(0).compute(client)(0);
    if (!(cost > 0))
      break;  // every point is a candidate
    auto picked = pick(client, points, state, l / cost, rng.next());
    candidates.insert(candidates.end(), picked.begin(), picked.end());
  }
  // The last round's picks join the state in the same tasks that count.
  const auto m = static_cast<std::int64_t>(candidates.size()) / d;
  auto weights = troupe::map_blocks({.chunks = rows_per_chunk(points, 1, m)}, count_nearest,
                                    points, state, points_from(candidates, known, d), known, m)
                   .sum(0)
                   .compute(client)
                   .values();
  return {std::move(candidates), std::move(weights), d};
}

// One Lloyd iteration: each point to its nearest centre, each centre to the
// mean of its points (an empty cluster keeps its centre).
std::vector<double> lloyd_step(troupe::client& client, const array<double>& points,
                               const std::vector<double>& centres) {
  const std::int64_t d = features_of(points);
  const auto k = static_cast<std::int64_t>(centres.size()) / d;
  auto sums = troupe::map_blocks({.chunks = rows_per_chunk(points, 1, k * (d + 1))},
                                 cluster_sums, points, centres)
                .sum(0)
                .compute(client)
                .values();
  std::vector<double> next = centres;
  for (std::int64_t j = 0; j < k; ++j) {
    const double count = sums[j * (d + 1) + d];
    if (count > 0)
      for (std::int64_t f = 0; f < d; ++f)
        next[j * d + f] = sums[j * (d + 1) + f] / count;
  }
  return next;
}

std::vector<double> sorted_rows(const std::vector<double>& flat, std::int64_t features) {
  std::vector<std::vector<double>> rows;
  for (std::size_t i = 0; i < flat.size(); i += features)
    rows.emplace_back(flat.begin() + i, flat.begin() + i + features);
  std::sort(rows.begin(), rows.end());
  std::vector<double> out;
  for (auto& r : rows)
    out.insert(out.end(), r.begin(), r.end());
  return out;
}

void check_arguments(const array<double>& points, int k) {
  if (points.ndim() != 2 || points.chunks()[1].size() != 1)
    throw std::invalid_argument("k-means: the points must be a 2-D array, one row per point, "
                                "with every feature in one chunk");
  if (k < 1 || points.shape()[0] < k)
    throw std::invalid_argument("k-means: " + std::to_string(k) + " clusters for "
                                + std::to_string(points.shape()[0]) + " points");
}

} // namespace

kmeans_result kmeans(troupe::client& client, const troupe::array<double>& points, int k,
                     const kmeans_options& options) {
  check_arguments(points, k);
  const std::int64_t d = features_of(points);
  splitmix rng{options.seed};

  auto t0 = steady::now();
  auto candidates = sample_candidates(client, points, k, options, rng);
  auto centres = weighted_lloyd(candidates, kmeans_plus_plus(candidates, k, rng),
                                options.tolerance, options.local_iterations);
  double init_seconds = seconds_since(t0);

  auto t1 = steady::now();
  int iterations = 0;
  while (iterations < options.max_iterations) {
    ++iterations;
    auto next = lloyd_step(client, points, centres);
    double shift = largest_shift(centres, next, d);
    centres = std::move(next);
    if (shift < options.tolerance)
      break;
  }
  double lloyd_seconds = seconds_since(t1);

  centres = sorted_rows(centres, d);
  auto labels = troupe::map_blocks({.chunks = troupe::chunks_t{points.chunks()[0], {1}}},
                                   nearest_centre, points, centres);
  return {.centres = troupe::ndarray<double>{{k, d}, centres},
          .iterations = iterations,
          .candidates = candidates.size(),
          .init_seconds = init_seconds,
          .lloyd_seconds = lloyd_seconds,
          .labels = labels(troupe::all, 0)};
}

} // namespace kmeans
