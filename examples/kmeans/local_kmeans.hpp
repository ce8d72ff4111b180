// The local end of k-means|| initialisation: a few dozen weighted
// candidates become k centres by weighted k-means++ then weighted Lloyd
// iterations, here in the client (far too little work for tasks).
// Points are flat lists of coordinates, `features` per point.
#pragma once

#include <cstdint>
#include <vector>

#include "random_bits.hpp"

namespace kmeans {

struct weighted_points {
  std::vector<double> coords;
  std::vector<double> weights;  ///< one per point
  std::int64_t features = 0;

  std::int64_t size() const noexcept { return static_cast<std::int64_t>(weights.size()); }
};

/// Index of each point's nearest centre (the first of equals); with `d2`,
/// also the squared distance to it.
std::vector<std::int64_t> nearest_centres(const std::vector<double>& points,
                                          const std::vector<double>& centres,
                                          std::int64_t features,
                                          std::vector<double>* d2 = nullptr);

/// k centres by weighted k-means++: the first drawn in proportion to the
/// weights, each next one in proportion to weight x squared distance to
/// the nearest centre chosen so far. Throws std::invalid_argument when
/// fewer than k points can be chosen.
std::vector<double> kmeans_plus_plus(const weighted_points& points, int k, splitmix& rng);

/// Weighted Lloyd iterations from `centres` until no centre moves by
/// `tolerance` or more, at most `max_iterations`; an empty cluster keeps
/// its centre.
std::vector<double> weighted_lloyd(const weighted_points& points, std::vector<double> centres,
                                   double tolerance, int max_iterations);

/// The largest distance between a centre of `before` and the same one in
/// `after`.
double largest_shift(const std::vector<double>& before, const std::vector<double>& after,
                     std::int64_t features);

} // namespace kmeans
