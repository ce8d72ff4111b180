// A block program: what one array task computes, as a list of instructions
// over registers (whole chunks in memory). The client writes it (graph.cpp),
// the worker runs it (kernels.cpp). Fusion is putting several operations in
// one program; the task then reads its inputs once and writes one chunk.
#pragma once

#include <cstdint>
#include <cstring>
#include <string>
#include <string_view>
#include <type_traits>
#include <vector>

#include "troupe/array/dtype.hpp"
#include "troupe/array/ndarray.hpp"
#include "troupe/errors.hpp"

namespace troupe::internal::array {

enum class opcode : std::uint8_t {
  input,          // u32 argument -> the chunk passed as that task argument
  random,         // u8 distribution, u64 seed, u64 stream, f64 a, f64 b, dtype, shape
  full,           // dtype, f64, i64, shape
  range,          // dtype, f64 start, f64 step, i64 first index, shape (1-D),
                  // i64 index whose value is exact (-1: none), f64 that value
  from_function,  // dtype, str name, str signature, shape, offsets
  constant,       // dtype, shape, u32 argument holding the raw elements
  elementwise,    // dtype, u8 evaluate-as-double, shape, u32 n, regs, str code
  broadcast,      // reg, shape
  transpose,      // reg, perm
  slice,          // reg, (start, step, count) per axis
  reshape,        // reg, shape
  assemble,       // dtype, shape, u32 n, (reg, src start, dst start, extent) each
  reduce,         // reg, u8 kind, u64 axes mask, offsets, global shape
  combine,        // u8 kind, u32 n, regs
  finalize,       // reg, u8 kind, i32 ddof, dtype, shape
  matmul,         // dtype, u32 n, (a, b) reg pairs
  cumsum,         // reg, u8 axis, dtype, u32 n, carry regs
};

/// Expression code of an elementwise instruction (postfix).
enum class expr_code : std::uint8_t { load, constant, unary, binary, where };

class writer {
public:
  template <class T>
  void put(T v) {
    static_assert(std::is_trivially_copyable_v<T>);
    bytes_.append(reinterpret_cast<const char*>(&v), sizeof v);
  }
  void put_str(std::string_view s) {
    put<std::uint32_t>(static_cast<std::uint32_t>(s.size()));
    bytes_.append(s);
  }
  void put_vec(const std::vector<std::int64_t>& v) {
    put<std::uint8_t>(static_cast<std::uint8_t>(v.size()));
    for (auto x : v)
      put(x);
  }
  void put_op(opcode op) { put(op); }
  std::string& bytes() noexcept { return bytes_; }

private:
  std::string bytes_;
};

class reader {
public:
  reader(const char* data, std::size_t size) : p_(data), end_(data + size) {}
  template <class T>
  T get() {
    need(sizeof(T));
    T v;
    std::memcpy(&v, p_, sizeof v);
    p_ += sizeof v;
    return v;
  }
  std::string_view get_str() {
    auto n = get<std::uint32_t>();
    need(n);
    std::string_view s{p_, n};
    p_ += n;
    return s;
  }
  std::vector<std::int64_t> get_vec() {
    auto n = get<std::uint8_t>();
    std::vector<std::int64_t> v(n);
    for (auto& x : v)
      x = get<std::int64_t>();
    return v;
  }
  bool done() const noexcept { return p_ == end_; }

private:
  void need(std::size_t n) const {
    if (static_cast<std::size_t>(end_ - p_) < n)
      throw decode_error("troupe: array task: its program is truncated");
  }
  const char* p_;
  const char* end_;
};

} // namespace troupe::internal::array
