// Dispatch on an array's element type: f(S{}) with S the type in which the
// elements are stored (bool as one byte).
#pragma once

#include <cstdint>

#include "troupe/array/dtype.hpp"

namespace troupe::internal::array {

template <class F>
decltype(auto) with_type(dtype t, F&& f) {
  switch (t) {
  case dtype::boolean: return f(std::uint8_t{});
  case dtype::int64: return f(std::int64_t{});
  case dtype::float32: return f(float{});
  default: return f(double{});
  }
}

} // namespace troupe::internal::array
