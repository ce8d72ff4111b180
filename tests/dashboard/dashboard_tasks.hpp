// Tasks of the dashboard's process test: built into a task library that
// `troupe worker --load` opens, and registered in the test (the client) so
// it can submit them with futures as arguments. Same names, same code.
#pragma once

#include <cstdint>
#include <string>

namespace {

// A result of `kib` KiB whose bytes depend on `seed`.
inline std::string dash_blob(int kib, int seed) {
  std::string s(static_cast<std::size_t>(kib) << 10, '\0');
  for (std::size_t i = 0; i < s.size(); i += 1024)
    s[i] = static_cast<char>(seed + static_cast<int>(i / 1024));
  return s;
}

// Sizes and a checksum of two inputs: proves both arrived whole.
inline std::uint64_t dash_checksum(const std::string& a, const std::string& b) {
  std::uint64_t h = a.size() * 1000003 + b.size();
  for (std::size_t i = 0; i < a.size(); i += 1024)
    h = h * 31 + static_cast<unsigned char>(a[i]);
  for (std::size_t i = 0; i < b.size(); i += 1024)
    h = h * 31 + static_cast<unsigned char>(b[i]);
  return h;
}

} // namespace
