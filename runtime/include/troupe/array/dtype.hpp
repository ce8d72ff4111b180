// Element types of troupe::array and how they combine, as NumPy's rules do
// for the four types troupe arrays hold.
#pragma once

#include <cstdint>
#include <string_view>
#include <type_traits>

namespace troupe {

/// Element type of an array. bool arrays (from comparisons) hold one byte
/// per element.
enum class dtype : std::uint8_t { boolean = 0, int64 = 1, float32 = 2, float64 = 3 };

/// "bool", "int64", "float32", "float64", as NumPy names them.
std::string_view dtype_name(dtype t) noexcept;
/// Bytes per element.
constexpr std::size_t itemsize(dtype t) noexcept {
  return t == dtype::boolean ? 1 : t == dtype::float32 ? 4 : 8;
}

template <class T>
inline constexpr bool is_array_element_v =
  std::is_same_v<T, bool> || std::is_same_v<T, std::int64_t> || std::is_same_v<T, float>
  || std::is_same_v<T, double>;

template <class T>
constexpr dtype dtype_of() {
  static_assert(is_array_element_v<T>,
                "troupe::array holds double, float, std::int64_t or bool elements");
  if constexpr (std::is_same_v<T, bool>)
    return dtype::boolean;
  else if constexpr (std::is_same_v<T, std::int64_t>)
    return dtype::int64;
  else if constexpr (std::is_same_v<T, float>)
    return dtype::float32;
  else
    return dtype::float64;
}

/// How an element is stored in memory: bool as one byte (std::vector<bool>
/// packs bits and cannot hand out pointers).
template <class T>
using storage_t = std::conditional_t<std::is_same_v<T, bool>, std::uint8_t, T>;

namespace detail {

template <dtype D>
struct type_of_dtype;
template <>
struct type_of_dtype<dtype::boolean> { using type = bool; };
template <>
struct type_of_dtype<dtype::int64> { using type = std::int64_t; };
template <>
struct type_of_dtype<dtype::float32> { using type = float; };
template <>
struct type_of_dtype<dtype::float64> { using type = double; };

constexpr bool is_floating(dtype t) { return t == dtype::float32 || t == dtype::float64; }

/// NumPy's promotion for arithmetic: bool+bool counts as int64 (NumPy would
/// give bool for + and *), int64 with float32 gives float64.
constexpr dtype promote(dtype a, dtype b) {
  if (a == dtype::boolean && b == dtype::boolean)
    return dtype::int64;
  if ((a == dtype::int64 && b == dtype::float32) || (a == dtype::float32 && b == dtype::int64))
    return dtype::float64;
  return static_cast<std::uint8_t>(a) > static_cast<std::uint8_t>(b) ? a : b;
}
/// True division: float32 only when both are float32 (or float32 and bool).
constexpr dtype divide_type(dtype a, dtype b) {
  dtype p = promote(a, b);
  return p == dtype::float32 ? dtype::float32 : dtype::float64;
}
/// sqrt, exp, log, sin, cos: integers become float64.
constexpr dtype math_type(dtype a) { return a == dtype::float32 ? dtype::float32 : dtype::float64; }
/// An array combined with a C++ scalar keeps its type unless the scalar is
/// of a higher kind (NumPy's value-based casting): int array + 0.5 is float64.
constexpr dtype scalar_promote(dtype a, bool scalar_is_floating) {
  if (is_floating(a))
    return a;
  return scalar_is_floating ? dtype::float64 : dtype::int64;
}
/// sum and cumsum: bool and int64 sum as int64.
constexpr dtype sum_type(dtype a) { return a == dtype::boolean ? dtype::int64 : a; }

} // namespace detail

template <dtype D>
using element_t = typename detail::type_of_dtype<D>::type;

} // namespace troupe
