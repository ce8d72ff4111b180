// One copy loop for transpose, slicing (any step), broadcasting and
// assembling chunks: walk `extent` in C order, reading with source strides
// (in elements, may be 0 or negative) and writing with destination strides.
#pragma once

#include <cstdint>
#include <cstring>
#include <vector>

namespace troupe::internal::array {

inline std::vector<std::int64_t> c_strides(const std::vector<std::int64_t>& shape) {
  std::vector<std::int64_t> s(shape.size(), 1);
  for (std::size_t d = shape.size(); d-- > 1;)
    s[d - 1] = s[d] * shape[d];
  return s;
}

template <std::size_t Size>
void copy_strided_typed(char* dst, const std::vector<std::int64_t>& dst_strides, const char* src,
                        const std::vector<std::int64_t>& src_strides,
                        const std::vector<std::int64_t>& extent) {
  const std::size_t n = extent.size();
  for (auto e : extent)
    if (e == 0)
      return;
  if (n == 0) {
    std::memcpy(dst, src, Size);
    return;
  }
  std::vector<std::int64_t> idx(n, 0);
  const std::int64_t inner = extent[n - 1];
  const std::int64_t ds = dst_strides[n - 1], ss = src_strides[n - 1];
  std::int64_t doff = 0, soff = 0;
  for (;;) {
    char* d = dst + doff * static_cast<std::int64_t>(Size);
    const char* s = src + soff * static_cast<std::int64_t>(Size);
    if (ds == 1 && ss == 1) {
      std::memcpy(d, s, static_cast<std::size_t>(inner) * Size);
    } else {
      for (std::int64_t i = 0; i < inner; ++i)
        std::memcpy(d + i * ds * static_cast<std::int64_t>(Size),
                    s + i * ss * static_cast<std::int64_t>(Size), Size);
    }
    // Advance the outer index (odometer), keeping both offsets current.
    std::size_t d_ax = n - 1;
    for (;;) {
      if (d_ax == 0)
        return;
      --d_ax;
      ++idx[d_ax];
      doff += dst_strides[d_ax];
      soff += src_strides[d_ax];
      if (idx[d_ax] < extent[d_ax])
        break;
      doff -= dst_strides[d_ax] * extent[d_ax];
      soff -= src_strides[d_ax] * extent[d_ax];
      idx[d_ax] = 0;
    }
  }
}

inline void copy_strided(std::size_t elem, char* dst, const std::vector<std::int64_t>& dst_strides,
                         const char* src, const std::vector<std::int64_t>& src_strides,
                         const std::vector<std::int64_t>& extent) {
  switch (elem) {
  case 1: return copy_strided_typed<1>(dst, dst_strides, src, src_strides, extent);
  case 4: return copy_strided_typed<4>(dst, dst_strides, src, src_strides, extent);
  default: return copy_strided_typed<8>(dst, dst_strides, src, src_strides, extent);
  }
}

} // namespace troupe::internal::array
