// A decoded instruction of a block program (see program.hpp for the encoding).
#pragma once

#include <cstdint>
#include <string_view>
#include <vector>

#include "array/program.hpp"

namespace troupe::internal::array {

struct instruction {
  opcode op{};
  dtype type{};
  std::uint8_t small = 0;      // distribution, reduction kind, axis, or "as double"
  std::uint64_t seed = 0;      // random seed; reduce: axes mask
  std::uint64_t stream = 0;    // random stream (chunk index)
  double a = 0, b = 0;         // random parameters, fill value, range start/step
  std::int64_t i = 0;          // fill value (integer), range first index
  std::int64_t exact_at = -1;  // range: the element that is exactly `exact`
  double exact = 0;            // (linspace's stop)
  std::int32_t ddof = 0;
  std::uint32_t arg = 0;       // task argument (input, constant)
  shape_t shape;               // result shape
  std::vector<std::int64_t> v1, v2;  // perm / offsets / global shape / slice triples / pieces
  std::vector<std::uint32_t> regs;   // registers read
  std::string_view name, signature, code;
};

/// The largest chunk a program may make (64 GiB; the fuzzer lowers it).
void set_chunk_limit(std::uint64_t bytes);

/// Decodes a whole program; throws decode_error on malformed bytes.
std::vector<instruction> decode_program(std::string_view bytes, std::uint32_t& output_reg);

} // namespace troupe::internal::array
