// make_blobs as scikit-learn's and dask-ml's: points scattered around a few
// centres, built lazily as a troupe::array (nothing runs until it is
// computed or persisted).
#pragma once

#include <cstdint>
#include <vector>

#include <troupe/troupe.hpp>

namespace kmeans {

/// Seed 003's three centres, (x, y) each: (-5, -5), (0, 5), (5, -2).
inline const std::vector<double> blob_centres{-5, -5, 0, 5, 5, -2};

/// `samples` points of `features` coordinates in chunks of `chunk` rows:
/// each point is a centre drawn uniformly from `centres` (flat, `features`
/// values each) plus N(0, 1) noise on every coordinate. The seed decides
/// every value, whatever the cluster.
troupe::array<double> make_blobs(std::int64_t samples, std::int64_t chunk, std::uint64_t seed,
                                 const std::vector<double>& centres = blob_centres,
                                 std::int64_t features = 2);

} // namespace kmeans
