// The k-means steps that run on the cluster: TROUPE_TASKs for map_blocks,
// called once per chunk of points (a (rows, features) block). Centres and
// candidates travel as plain arguments, flat, one point after another.
//
// k-means|| keeps a per-point state between rounds, a (rows, 2) block:
// [squared distance to the nearest candidate, that candidate's index]. A
// round then measures distances to the new candidates only: the nearest of
// all candidates is the nearer of the old nearest and the nearest new one.
//
// Chunks are taken by const reference: the worker has already unpacked the
// chunk into the argument, and a by-value parameter would copy it again.
#pragma once

#include <cstdint>
#include <vector>

#include <troupe/troupe.hpp>

namespace kmeans {

using chunk = troupe::block<double>;
using flat_points = std::vector<double>;

/// The state for the first `candidates`.
chunk nearest_candidate(const chunk& points, const flat_points& candidates);

/// The state after adding candidates numbered from `first`. A point moves
/// only to a strictly nearer one: ties keep the lower index.
chunk nearer_candidate(const chunk& points, const chunk& state, const flat_points& added,
                       std::int64_t first);

/// k-means|| sampling: picks each point with probability
/// min(1, scale x squared distance), scale = oversampling / cost. A
/// (capacity + 1, features) block: row 0 starts with the number picked,
/// then come the first `capacity` picked points (zeros after them).
chunk pick_candidates(const chunk& points, const chunk& state, double scale, std::uint64_t seed,
                      std::int64_t capacity);

/// A (1, count) block: how many points are nearest to each of the `count`
/// candidates, once the `added` ones (numbered from `first`) are in.
chunk count_nearest(const chunk& points, const chunk& state, const flat_points& added,
                    std::int64_t first, std::int64_t count);

/// A (1, k x (features + 1)) block: for each centre, the sum of the points
/// nearest to it (one value per feature), then their number.
chunk cluster_sums(const chunk& points, const flat_points& centres);

/// A (rows, 1) block: the index of each point's nearest centre.
troupe::block<std::int64_t> nearest_centre(const chunk& points, const flat_points& centres);

} // namespace kmeans
