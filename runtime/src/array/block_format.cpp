// The chunk format shared by block<T>, the array kernels and the client.
#include <string>

#include "troupe/array/block.hpp"
#include "troupe/errors.hpp"

namespace troupe {

std::string_view dtype_name(dtype t) noexcept {
  switch (t) {
  case dtype::boolean: return "bool";
  case dtype::int64: return "int64";
  case dtype::float32: return "float32";
  case dtype::float64: return "float64";
  }
  return "unknown";
}

namespace detail {

namespace {
// Bytes before the padding's own bytes: fixarray, dtype, shape, padding header.
std::size_t header_before_padding(std::size_t ndim) noexcept {
  return 1 + 1 + (ndim < 16 ? 1 : 3) + 9 * ndim + 2;
}
std::size_t bin_header(std::size_t nbytes) noexcept {
  return nbytes < 256 ? 2 : nbytes < 65536 ? 3 : 5;
}
} // namespace

std::size_t block_padding(std::size_t ndim, std::size_t nbytes) noexcept {
  std::size_t at = header_before_padding(ndim) + bin_header(nbytes);
  return (64 - at % 64) % 64;
}

std::size_t block_data_offset(std::size_t ndim, std::size_t nbytes) noexcept {
  return header_before_padding(ndim) + block_padding(ndim, nbytes) + bin_header(nbytes);
}

void throw_block_error(const std::string& what) { throw decode_error("troupe: " + what); }

block_view read_block(const msgpack::object& o) {
  if (o.type != msgpack::type::ARRAY || o.via.array.size != 4)
    throw_block_error("an array chunk was expected, but the value is not one");
  const auto* f = o.via.array.ptr;
  if (f[0].type != msgpack::type::POSITIVE_INTEGER || f[0].via.u64 > 3
      || f[1].type != msgpack::type::ARRAY || f[3].type != msgpack::type::BIN)
    throw_block_error("an array chunk has a malformed header");
  block_view v;
  v.type = static_cast<dtype>(f[0].via.u64);
  // The element count may not exceed the bytes there are (checked as the
  // lengths multiply, so a forged shape cannot overflow). A length 0
  // anywhere makes an empty chunk, whatever the lengths before it: (4, 0, 3)
  // holds no bytes.
  const std::size_t bytes = f[3].via.bin.size;
  bool empty = false;
  for (std::uint32_t i = 0; i < f[1].via.array.size; ++i) {
    const auto& d = f[1].via.array.ptr[i];
    if (d.type != msgpack::type::POSITIVE_INTEGER || d.via.u64 > (std::uint64_t{1} << 62))
      throw_block_error("an array chunk has a negative, non-integer or absurd length");
    v.shape.push_back(static_cast<std::int64_t>(d.via.u64));
    empty = empty || d.via.u64 == 0;
  }
  std::size_t n = empty ? 0 : 1;
  for (std::size_t i = 0; i < v.shape.size() && !empty; ++i) {
    auto len = static_cast<std::size_t>(v.shape[i]);
    if (len > bytes / n + 1)
      throw_block_error("an array chunk's shape needs more bytes than it holds");
    n *= len;
  }
  v.data = f[3].via.bin.ptr;
  v.nbytes = bytes;
  if (n * itemsize(v.type) != v.nbytes)
    throw_block_error("an array chunk holds " + std::to_string(v.nbytes)
                      + " bytes where its shape needs "
                      + std::to_string(n * itemsize(v.type)));
  return v;
}

void throw_index_error(const shape_t& shape, const std::vector<std::int64_t>& index) {
  auto show = [](const std::vector<std::int64_t>& v) {
    std::string s = "(";
    for (std::size_t i = 0; i < v.size(); ++i)
      s += (i ? ", " : "") + std::to_string(v[i]);
    return s + (v.size() == 1 ? ",)" : ")");
  };
  throw std::out_of_range("troupe::ndarray: index " + show(index) + " is outside shape "
                          + show(shape));
}

} // namespace detail
} // namespace troupe
