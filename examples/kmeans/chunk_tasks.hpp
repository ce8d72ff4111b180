// The k-means steps that run on the cluster: TROUPE_TASKs for map_blocks,
// called once per chunk of points (a (rows, features) block). Centres and
// candidates travel as plain arguments, flat, one point after another.
// Chunks are taken by const reference: the worker has already unpacked the
// chunk into the argument, and a by-value parameter would copy it again.
#pragma once

#include <cstdint>
#include <vector>

#include <troupe/troupe.hpp>

namespace kmeans {

using chunk = troupe::block<double>;
using flat_points = std::vector<double>;

/// One k-means|| round over a chunk, in one pass. Each point has d2, its
/// squared distance to the nearest of `candidates`, and a coin u, uniform
/// on [0, 1) and fixed by `seed` and the point. It is to be picked when
/// u < l x d2 / cost, cost being the sum of d2 over all chunks: that is,
/// when its key u / d2 is below l / cost. The cost is known only once every
/// chunk has reported, so each reports its part of the cost and its
/// `shortlist` smallest keys: a (shortlist + 1, features + 1) block, row 0
/// [the chunk's cost, 0...], then rows [key, the point] by increasing key
/// (infinite keys past the chunk's points; points with d2 = 0, the
/// candidates themselves, are never picked).
chunk sample_candidates(const chunk& points, const flat_points& candidates, std::uint64_t seed,
                        std::int64_t shortlist);

/// A (1, m) block: the number of points nearest to each of the m
/// candidates (ties go to the lower index).
chunk count_nearest(const chunk& points, const flat_points& candidates);

/// A (1, k x (features + 1)) block: for each centre, the sum of the points
/// nearest to it (one value per feature), then their number.
chunk cluster_sums(const chunk& points, const flat_points& centres);

/// A (rows, 1) block: the index of each point's nearest centre.
troupe::block<std::int64_t> nearest_centre(const chunk& points, const flat_points& centres);

} // namespace kmeans
