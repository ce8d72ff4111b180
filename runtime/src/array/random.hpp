// Random streams for array chunks: xoshiro256+ seeded through splitmix64
// from (seed, chunk index, lane), so each chunk's values depend only on the
// seed and the chunk's index — the same array whatever the number of workers
// or the order in which chunks run. Eight independent lanes run side by side
// (element k comes from lane k % 8), which the compiler turns into vector
// instructions: one lane alone is a serial chain of dependent operations.
#pragma once

#include <cstdint>
#include <cstring>

namespace troupe::internal::array {

class chunk_rng {
public:
  static constexpr int lanes = 8;

  chunk_rng(std::uint64_t seed, std::uint64_t stream) {
    std::uint64_t x = seed ^ (stream * 0x9E3779B97F4A7C15ull + 0x632BE59BD9B4E019ull);
    for (int l = 0; l < lanes; ++l) {
      s0_[l] = splitmix(x);
      s1_[l] = splitmix(x);
      s2_[l] = splitmix(x);
      s3_[l] = splitmix(x);
    }
  }

  /// Fills out[0, n) with uniform doubles on [0, 1) (52 random bits each).
  void uniform(double* out, std::int64_t n) noexcept;

private:
  static std::uint64_t splitmix(std::uint64_t& x) noexcept {
    std::uint64_t z = (x += 0x9E3779B97F4A7C15ull);
    z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9ull;
    z = (z ^ (z >> 27)) * 0x94D049BB133111EBull;
    return z ^ (z >> 31);
  }

  alignas(64) std::uint64_t s0_[lanes], s1_[lanes], s2_[lanes], s3_[lanes];
};

} // namespace troupe::internal::array
