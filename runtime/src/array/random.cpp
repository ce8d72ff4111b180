#include "array/random.hpp"

#include <bit>

namespace troupe::internal::array {

void chunk_rng::uniform(double* out, std::int64_t n) noexcept {
  // The state in locals: the compiler then knows `out` cannot alias it.
  std::uint64_t a[lanes], b[lanes], c[lanes], d[lanes];
  std::memcpy(a, s0_, sizeof a);
  std::memcpy(b, s1_, sizeof b);
  std::memcpy(c, s2_, sizeof c);
  std::memcpy(d, s3_, sizeof d);
  double tail[lanes];
  for (std::int64_t k = 0; k < n; k += lanes) {
    double* v = n - k >= lanes ? out + k : tail;
    for (int l = 0; l < lanes; ++l) {
      std::uint64_t r = a[l] + d[l];
      std::uint64_t t = b[l] << 17;
      c[l] ^= a[l];
      d[l] ^= b[l];
      b[l] ^= c[l];
      a[l] ^= d[l];
      c[l] ^= t;
      d[l] = (d[l] << 45) | (d[l] >> 19);
      // The top 52 bits as the mantissa of a double in [1, 2), minus 1:
      // exact, and no integer-to-double conversion.
      v[l] = std::bit_cast<double>((r >> 12) | 0x3FF0000000000000ull) - 1.0;
    }
    if (v == tail)
      for (std::int64_t l = 0; k + l < n; ++l)
        out[k + l] = tail[l];
  }
  std::memcpy(s0_, a, sizeof a);
  std::memcpy(s1_, b, sizeof b);
  std::memcpy(s2_, c, sizeof c);
  std::memcpy(s3_, d, sizeof d);
}

} // namespace troupe::internal::array
