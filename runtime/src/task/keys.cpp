// Task keys: pure keys hash the function name and packed arguments (xxHash3),
// impure ones are random.
#include <atomic>
#include <cstdio>
#include <random>

#include <xxhash.h>

#include "troupe/detail/task_batch.hpp"

namespace troupe::detail {

task_key pure_key(std::string_view function, std::string_view args) noexcept {
  XXH64_hash_t seed = XXH3_64bits(function.data(), function.size());
  return XXH3_64bits_withSeed(args.data(), args.size(), seed);
}

task_key random_key() noexcept {
  // A random 64-bit start per process, then a counter mixed by a bijection:
  // unique within the process, unlikely to meet a pure key.
  static const std::uint64_t base = [] {
    std::random_device rd;
    return (static_cast<std::uint64_t>(rd()) << 32) ^ rd();
  }();
  static std::atomic<std::uint64_t> counter{0};
  std::uint64_t x = base + counter.fetch_add(1, std::memory_order_relaxed) * 0x9e3779b97f4a7c15ULL;
  x ^= x >> 31;
  x *= 0xbf58476d1ce4e5b9ULL;
  x ^= x >> 29;
  return x;
}

std::string format_key(std::string_view function, task_key key) {
  char hex[17];
  std::snprintf(hex, sizeof hex, "%016llx", static_cast<unsigned long long>(key));
  std::string out{function};
  out += '-';
  out += hex;
  return out;
}

} // namespace troupe::detail
