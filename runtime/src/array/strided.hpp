// One copy loop for transpose, slicing (any step), broadcasting and
// assembling chunks: walk `extent` in C order, reading with source strides
// (in elements, may be 0 or negative) and writing with destination strides.
#pragma once

#include <algorithm>
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

// The last two axes of a gather whose innermost source stride is not 1
// (a transpose): copied in 32 x 32 tiles so that both the rows read and the
// rows written stay in cache.
template <std::size_t Size>
void copy_tiles(char* dst, std::int64_t dr, std::int64_t dc, const char* src, std::int64_t sr,
                std::int64_t sc, std::int64_t rows, std::int64_t cols) {
  constexpr std::int64_t t = 32;
  const auto sz = static_cast<std::int64_t>(Size);
  for (std::int64_t i0 = 0; i0 < rows; i0 += t)
    for (std::int64_t j0 = 0; j0 < cols; j0 += t) {
      const std::int64_t i1 = std::min(rows, i0 + t), j1 = std::min(cols, j0 + t);
      for (std::int64_t i = i0; i < i1; ++i)
        for (std::int64_t j = j0; j < j1; ++j)
          std::memcpy(dst + (i * dr + j * dc) * sz, src + (i * sr + j * sc) * sz, Size);
    }
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
  // Copy the innermost axis (or, for a transpose-like gather, the last two)
  // at each position of the outer axes.
  const bool tiled = n >= 2 && src_strides[n - 1] != 1 && extent[n - 1] > 1;
  const std::size_t outer = tiled ? n - 2 : n - 1;
  std::vector<std::int64_t> idx(n, 0);
  const std::int64_t inner = extent[n - 1];
  const std::int64_t ds = dst_strides[n - 1], ss = src_strides[n - 1];
  std::int64_t doff = 0, soff = 0;
  for (;;) {
    char* d = dst + doff * static_cast<std::int64_t>(Size);
    const char* s = src + soff * static_cast<std::int64_t>(Size);
    if (tiled) {
      copy_tiles<Size>(d, dst_strides[n - 2], ds, s, src_strides[n - 2], ss, extent[n - 2], inner);
    } else if (ds == 1 && ss == 1) {
      std::memcpy(d, s, static_cast<std::size_t>(inner) * Size);
    } else {
      for (std::int64_t i = 0; i < inner; ++i)
        std::memcpy(d + i * ds * static_cast<std::int64_t>(Size),
                    s + i * ss * static_cast<std::int64_t>(Size), Size);
    }
    // Advance the outer index (odometer), keeping both offsets current.
    std::size_t d_ax = outer;
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
