#include "blobs.hpp"

#include <stdexcept>

#include "random_bits.hpp"

namespace kmeans {

troupe::array<double> make_blobs(std::int64_t samples, std::int64_t chunk, std::uint64_t seed,
                                 const std::vector<double>& centres, std::int64_t features) {
  const auto k = static_cast<std::int64_t>(centres.size()) / features;
  if (k < 1 || static_cast<std::int64_t>(centres.size()) != k * features)
    throw std::invalid_argument("make_blobs: the centres do not have one value per feature");
  auto centre = [&](std::int64_t j) {
    std::vector<double> row(centres.begin() + j * features, centres.begin() + (j + 1) * features);
    return troupe::from_vector(row, {features});
  };
  // Two generators from one seed: mixed, so that their streams differ.
  auto label = troupe::random::integers({samples, 1}, {chunk, 1}, 0, k, {.seed = mix64(seed)});
  auto noise = troupe::random::normal({samples, features}, {chunk, features}, 0.0, 1.0,
                                      {.seed = mix64(seed + 1)});
  // Row i is centre label[i]: (samples, 1) choices broadcast against
  // (features,) rows; the last centre where no other matched.
  troupe::array<double> rows = centre(k - 1);
  for (std::int64_t j = k - 2; j >= 0; --j)
    rows = troupe::where(label == j, centre(j), rows);
  return rows + noise;
}

} // namespace kmeans
