// The kmeans example's command line.
#pragma once

#include <cstdint>
#include <stdexcept>
#include <string>

namespace kmeans {

struct options {
  std::int64_t samples = 10'000'000;
  std::int64_t chunk = 1'000'000;  ///< rows per chunk
  int workers = 2;
  int threads = 1;  ///< per worker
  bool processes = false;
  std::string csv = "kmeans-labels.csv";
  std::string png = "kmeans-labels.png";
  std::uint64_t seed = 0;
  bool help = false;
};

/// A flag the program does not know, or a bad value.
struct usage_error : std::runtime_error {
  using std::runtime_error::runtime_error;
};

/// Reads argv; throws usage_error saying what is wrong.
options parse_options(int argc, char** argv);

extern const char* const usage;

} // namespace kmeans
