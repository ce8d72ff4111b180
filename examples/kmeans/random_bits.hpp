// Random numbers for the k-means example's own draws (the first candidate,
// k-means|| coins, k-means++ picks): splitmix64, so a seed gives the same
// numbers on every platform and standard library, which
// std::uniform_*_distribution does not promise.
#pragma once

#include <cstdint>
#include <cstring>

namespace kmeans {

/// splitmix64's output function: a well-mixed 64-bit hash of `z`.
inline std::uint64_t mix64(std::uint64_t z) noexcept {
  z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9ull;
  z = (z ^ (z >> 27)) * 0x94D049BB133111EBull;
  return z ^ (z >> 31);
}

/// Uniform on [0, 1) from the top 53 bits.
inline double to_unit(std::uint64_t bits) noexcept {
  return static_cast<double>(bits >> 11) * 0x1.0p-53;
}

class splitmix {
public:
  explicit splitmix(std::uint64_t seed) noexcept : state_(seed) {}
  std::uint64_t next() noexcept { return mix64(state_ += 0x9E3779B97F4A7C15ull); }
  double uniform() noexcept { return to_unit(next()); }
  /// Uniform on 0 .. n - 1 (n > 0).
  std::int64_t below(std::int64_t n) noexcept {
    auto i = static_cast<std::int64_t>(uniform() * static_cast<double>(n));
    return i < n ? i : n - 1;
  }

private:
  std::uint64_t state_;
};

/// Folds one coordinate's bits into a point's hash.
inline std::uint64_t coin_step(std::uint64_t h, std::uint64_t bits) noexcept {
  return (h ^ bits) * 0x9E3779B97F4A7C15ull;
}

/// A uniform on [0, 1) fixed by `seed` and a point's coordinates. k-means||
/// flips one coin per point; keying it by the point (not by its position)
/// makes the sample the same however the array is chunked, and lets a task
/// see its chunk alone, without knowing where the chunk starts.
/// One multiply per coordinate, one full mix at the end: cheap enough for
/// every point of every round.
inline double point_coin(std::uint64_t seed, const double* point, std::int64_t features) noexcept {
  std::uint64_t h = seed;
  for (std::int64_t f = 0; f < features; ++f) {
    std::uint64_t bits;
    std::memcpy(&bits, point + f, sizeof bits);
    h = coin_step(h, bits);
  }
  return to_unit(mix64(h));
}

} // namespace kmeans
