// Element arithmetic that wraps: int64 overflow wraps around, as NumPy's
// int64 does (signed overflow would be undefined behaviour in C++); floating
// point is plain arithmetic.
#pragma once

#include <cstdint>
#include <type_traits>

namespace troupe::internal::array {

template <class V>
V plus(V a, V b) {
  if constexpr (std::is_integral_v<V>)
    return static_cast<V>(static_cast<std::uint64_t>(a) + static_cast<std::uint64_t>(b));
  else
    return a + b;
}
template <class V>
V minus(V a, V b) {
  if constexpr (std::is_integral_v<V>)
    return static_cast<V>(static_cast<std::uint64_t>(a) - static_cast<std::uint64_t>(b));
  else
    return a - b;
}
template <class V>
V times(V a, V b) {
  if constexpr (std::is_integral_v<V>)
    return static_cast<V>(static_cast<std::uint64_t>(a) * static_cast<std::uint64_t>(b));
  else
    return a * b;
}

} // namespace troupe::internal::array
