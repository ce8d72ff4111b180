// k-means on a troupe::array of points (one row per point), the algorithm
// tools/bench/dask_compare.py runs on Dask:
//  1. k-means|| (Bahmani et al., "Scalable k-means++", 2012): one point
//     drawn at random, then `rounds` rounds of one pass over the chunks
//     each: d2 = squared distance to the nearest candidate, cost = sum of
//     d2, every point picked independently with probability
//     min(1, l x d2 / cost), l = 2k; the picks join the candidates.
//  2. One more pass weights each candidate by the points nearest to it;
//     here, weighted k-means++ then weighted Lloyd iterations reduce the
//     few dozen candidates to k centres.
//  3. Lloyd iterations on the cluster: per chunk, each point's nearest
//     centre and per-centre sums and counts, added up across chunks; each
//     centre moves to the mean of its points, until none moves by the
//     tolerance (1e-4) or more, or after 100 iterations.
#pragma once

#include <cstdint>

#include <troupe/troupe.hpp>

namespace kmeans {

struct kmeans_options {
  int rounds = 5;                ///< k-means|| sampling rounds
  double oversampling = 0;       ///< l, points expected per round; 0: 2k
  double tolerance = 1e-4;       ///< stop once no centre moves this far
  int max_iterations = 100;      ///< Lloyd iterations at most
  int local_iterations = 30;     ///< weighted Lloyd iterations on the candidates
  std::uint64_t seed = 0;
};

struct kmeans_result {
  /// (k, features), rows in lexicographic order so that runs compare.
  troupe::ndarray<double> centres;
  /// Lloyd iterations on the cluster, the last (converged) one included.
  int iterations = 0;
  /// Candidates k-means|| kept (about 1 + rounds x l).
  std::int64_t candidates = 0;
  double init_seconds = 0;   ///< k-means||, to the k initial centres
  double lloyd_seconds = 0;  ///< Lloyd iterations
  /// (n,): the index of each point's nearest centre. Lazy: nothing runs
  /// until it is computed.
  troupe::array<std::int64_t> labels;
};

/// Clusters the rows of `points` (2-D, one chunk across the features) into
/// k clusters. Waits for the result; `points` should be persisted, or each
/// step recomputes it.
kmeans_result kmeans(troupe::client& client, const troupe::array<double>& points, int k,
                     const kmeans_options& options = {});

} // namespace kmeans
