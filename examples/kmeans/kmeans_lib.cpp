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

struct round_result {
  double cost = 0;
  flat_points picked;
};

// One k-means|| round: every point independently with probability
// min(1, l x d2 / cost) (see sample_candidates in chunk_tasks.hpp).
round_result sample_round(troupe::client& client, const array<double>& points,
                          const flat_points& candidates, double l, std::uint64_t seed) {
  const std::int64_t d = features_of(points);
  const std::int64_t width = d + 1;
  // About l points are picked per round in all: a shortlist of 64 a chunk
  // nearly always holds every pick. When one is full of picks, the same
  // coins again with a longer list.
  for (std::int64_t shortlist = 64;; shortlist *= 8) {
    const std::int64_t rows = shortlist + 1;
    auto got = troupe::map_blocks({.chunks = rows_per_chunk(points, rows, width)},
                                  sample_candidates, points, candidates, seed, shortlist)
                 .compute(client)
                 .values();
    round_result r;
    for (std::int64_t b = 0; b < chunks_of(points); ++b)
      r.cost += got[static_cast<std::size_t>(b * rows * width)];
    if (!(r.cost > 0))
      return r;  // every point is a candidate
    const double threshold = l / r.cost;
    bool complete = true;
    for (std::int64_t b = 0; b < chunks_of(points); ++b) {
      for (std::int64_t i = 1; i < rows; ++i) {
        const double* row = got.data() + (b * rows + i) * width;
        if (!(row[0] < threshold))
          break;
        r.picked.insert(r.picked.end(), row + 1, row + width);
        complete = complete && i < shortlist;
      }
    }
    if (complete)
      return r;
  }
}

// k-means||: candidates sampled in rounds on the cluster, each weighted by
// the number of points nearest to it.
weighted_points kmeans_parallel(troupe::client& client, const array<double>& points, int k,
                                  const kmeans_options& o, splitmix& rng) {
  const std::int64_t n = points.shape()[0];
  const std::int64_t d = features_of(points);
  const double l = o.oversampling > 0 ? o.oversampling : 2.0 * k;
  const std::int64_t first = rng.below(n);
  flat_points candidates = points(troupe::slice{first, first + 1}).compute(client).values();
  for (int round = 0; round < o.rounds; ++round) {
    auto r = sample_round(client, points, candidates, l, rng.next());
    if (!(r.cost > 0))
      break;
    candidates.insert(candidates.end(), r.picked.begin(), r.picked.end());
  }
  const auto m = static_cast<std::int64_t>(candidates.size()) / d;
  auto weights = troupe::map_blocks({.chunks = rows_per_chunk(points, 1, m)}, count_nearest,
                                    points, candidates)
                   .sum(0)
                   .compute(client)
                   .values();
  return {std::move(candidates), std::move(weights), d};
}

// One Lloyd iteration: each point to its nearest centre, each centre to the
// mean of its points (an empty cluster keeps its centre).
flat_points lloyd_step(troupe::client& client, const array<double>& points,
                       const flat_points& centres) {
  const std::int64_t d = features_of(points);
  const auto k = static_cast<std::int64_t>(centres.size()) / d;
  auto sums = troupe::map_blocks({.chunks = rows_per_chunk(points, 1, k * (d + 1))},
                                 cluster_sums, points, centres)
                .sum(0)
                .compute(client)
                .values();
  flat_points next = centres;
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
  auto candidates = kmeans_parallel(client, points, k, options, rng);
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
