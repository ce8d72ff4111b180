// Converting an element to another element type without undefined
// behaviour: a NaN, an infinity or a too-large double becomes an int64 by
// saturating (NaN gives the smallest int64, as NumPy does on x86), and any
// nonzero value is a true bool.
#pragma once

#include <cmath>
#include <cstdint>
#include <limits>
#include <type_traits>

namespace troupe::internal::array {

template <class S, class V>
inline S convert(V v) {
  if constexpr (std::is_same_v<S, std::uint8_t>) {
    return v != V{0} ? 1 : 0;
  } else if constexpr (std::is_integral_v<S> && std::is_floating_point_v<V>) {
    constexpr double top = 9223372036854775808.0;  // 2^63
    if (std::isnan(v) || v < -top)
      return std::numeric_limits<S>::min();
    if (v >= top)
      return std::numeric_limits<S>::max();
    return static_cast<S>(v);
  } else {
    return static_cast<S>(v);
  }
}

} // namespace troupe::internal::array
