// block<T>: one chunk of an array as a task sees it (map_blocks). Its bytes
// are the array's chunk format, so a task gets a chunk without conversion:
//   [dtype, shape (fixed-width int64s), padding, raw elements]
// The padding puts the elements at a 64-byte offset, so workers read them in
// place, aligned, without copying.
#pragma once

#include <cstdint>
#include <cstring>
#include <string>
#include <vector>

#include <msgpack.hpp>

#include "troupe/array/dtype.hpp"
#include "troupe/array/ndarray.hpp"
#include "troupe/serialization.hpp"

namespace troupe {

template <class T>
struct block {
  shape_t shape;
  std::vector<storage_t<T>> data;  ///< C order

  block() = default;
  block(shape_t s, std::vector<storage_t<T>> d) : shape(std::move(s)), data(std::move(d)) {}
  std::size_t size() const noexcept { return data.size(); }
};

template <class T>
struct serializable<block<T>> : std::true_type {};

namespace detail {

/// Bytes of padding after the header so that the elements start at a
/// multiple of 64 bytes from the chunk's first byte.
std::size_t block_padding(std::size_t ndim, std::size_t nbytes) noexcept;
/// Where the elements of a chunk with this shape start.
std::size_t block_data_offset(std::size_t ndim, std::size_t nbytes) noexcept;
/// Throws troupe::decode_error: a chunk had the wrong type or layout.
[[noreturn]] void throw_block_error(const std::string& what);

/// The parts of a chunk inside an unpacked msgpack object (no copy).
struct block_view {
  dtype type;
  shape_t shape;
  const char* data;
  std::size_t nbytes;
};
block_view read_block(const msgpack::object& o);

} // namespace detail
} // namespace troupe

namespace msgpack {
MSGPACK_API_VERSION_NAMESPACE(MSGPACK_DEFAULT_API_NS) {
namespace adaptor {

template <class T>
struct pack<troupe::block<T>> {
  template <class Stream>
  packer<Stream>& operator()(packer<Stream>& p, const troupe::block<T>& b) const {
    std::size_t nbytes = b.data.size() * sizeof(troupe::storage_t<T>);
    p.pack_array(4);
    p.pack_uint8(static_cast<std::uint8_t>(troupe::dtype_of<T>()));
    p.pack_array(static_cast<std::uint32_t>(b.shape.size()));
    for (auto d : b.shape)
      p.pack_fix_int64(d);
    std::size_t pad = troupe::detail::block_padding(b.shape.size(), nbytes);
    static const char zeros[64] = {};
    p.pack_bin(static_cast<std::uint32_t>(pad));
    p.pack_bin_body(zeros, static_cast<std::uint32_t>(pad));
    p.pack_bin(static_cast<std::uint32_t>(nbytes));
    p.pack_bin_body(reinterpret_cast<const char*>(b.data.data()),
                    static_cast<std::uint32_t>(nbytes));
    return p;
  }
};

template <class T>
struct convert<troupe::block<T>> {
  const msgpack::object& operator()(const msgpack::object& o, troupe::block<T>& b) const {
    auto v = troupe::detail::read_block(o);
    if (v.type != troupe::dtype_of<T>())
      troupe::detail::throw_block_error(
        std::string{"a chunk of "} + std::string{troupe::dtype_name(v.type)}
        + " was passed where a block of "
        + std::string{troupe::dtype_name(troupe::dtype_of<T>())} + " was expected");
    b.shape = std::move(v.shape);
    using S = troupe::storage_t<T>;
    const std::size_t n = v.nbytes / sizeof(S);
    if (reinterpret_cast<std::uintptr_t>(v.data) % alignof(S) == 0) {
      // Aligned (chunks read in place are): one pass, no zero-filling first.
      const S* first = reinterpret_cast<const S*>(v.data);
      b.data.assign(first, first + n);
    } else {
      b.data.resize(n);
      if (v.nbytes)
        std::memcpy(b.data.data(), v.data, v.nbytes);
    }
    return o;
  }
};

} // namespace adaptor
} // MSGPACK_API_VERSION_NAMESPACE
} // namespace msgpack
