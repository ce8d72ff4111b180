#include "array/random.hpp"

#include <bit>

namespace troupe::internal::array {

namespace {

constexpr int lanes = chunk_rng::lanes;

// Eight lanes of xoshiro256+ side by side, in a form the vectoriser turns
// into 512- or 256-bit integer operations: a copy of the function is built
// for AVX-512, AVX2 and plain x86-64, and the loader picks the one this CPU
// runs (the values are the same bits on all three). Built with
// -ftree-vectorize (runtime/CMakeLists.txt).
#if defined(__x86_64__) && defined(__GNUC__)
__attribute__((target_clones("avx512f", "avx2", "default")))
#endif
void fill_uniform(std::uint64_t* a, std::uint64_t* b, std::uint64_t* c, std::uint64_t* d,
                  double* out, std::int64_t n) noexcept {
  std::uint64_t s0[lanes], s1[lanes], s2[lanes], s3[lanes];
  // The state in locals: the compiler then knows `out` cannot alias it.
  std::memcpy(s0, a, sizeof s0);
  std::memcpy(s1, b, sizeof s1);
  std::memcpy(s2, c, sizeof s2);
  std::memcpy(s3, d, sizeof s3);
  double tail[lanes];
  for (std::int64_t k = 0; k < n; k += lanes) {
    double* v = n - k >= lanes ? out + k : tail;
    for (int l = 0; l < lanes; ++l) {
      std::uint64_t r = s0[l] + s3[l];
      std::uint64_t t = s1[l] << 17;
      s2[l] ^= s0[l];
      s3[l] ^= s1[l];
      s1[l] ^= s2[l];
      s0[l] ^= s3[l];
      s2[l] ^= t;
      s3[l] = (s3[l] << 45) | (s3[l] >> 19);
      // The top 52 bits as the mantissa of a double in [1, 2), minus 1:
      // exact, and no integer-to-double conversion.
      v[l] = std::bit_cast<double>((r >> 12) | 0x3FF0000000000000ull) - 1.0;
    }
    if (v == tail)
      for (std::int64_t l = 0; k + l < n; ++l)
        out[k + l] = tail[l];
  }
  std::memcpy(a, s0, sizeof s0);
  std::memcpy(b, s1, sizeof s1);
  std::memcpy(c, s2, sizeof s2);
  std::memcpy(d, s3, sizeof s3);
}

} // namespace

void chunk_rng::uniform(double* out, std::int64_t n) noexcept {
  fill_uniform(s0_, s1_, s2_, s3_, out, n);
}

} // namespace troupe::internal::array
