// The numeric kernels behind block programs: element-wise expressions and
// the three stages of tree reductions (chunk -> partial, partials ->
// partial, partial -> result).
#pragma once

#include <cstdint>
#include <string_view>
#include <vector>

#include "troupe/array/array.hpp"

namespace troupe::internal::array {

struct operand {
  dtype type;
  const char* data;
};

/// Runs postfix expression `code` over `n` elements of the operands, in
/// tiles that stay in the L1 cache, writing `out` as `out_type`.
void evaluate_expression(std::string_view code, const std::vector<operand>& operands,
                         bool as_double, dtype out_type, char* out, std::int64_t n);

/// A partial result: F fields (sum and count for mean, ...) in front of the
/// chunk's shape with the reduced axes of length 1.
struct partial_layout {
  dtype type;
  shape_t shape;
};
std::int64_t partial_fields(detail::reduce_kind kind);
partial_layout partial_of(detail::reduce_kind kind, dtype input, const shape_t& chunk,
                          std::uint64_t axes_mask);

/// offsets: where the chunk starts in the array; global: the array's shape
/// (both used by argmin/argmax for global indices).
void reduce_chunk(detail::reduce_kind kind, dtype type, const char* data, const shape_t& shape,
                  std::uint64_t axes_mask, const std::vector<std::int64_t>& offsets,
                  const std::vector<std::int64_t>& global, char* out);
void combine_partials(detail::reduce_kind kind, dtype type, const shape_t& shape,
                      const std::vector<const char*>& parts, char* out);
void finalize_partial(detail::reduce_kind kind, dtype type, const char* data,
                      const shape_t& shape, int ddof, dtype out_type, char* out);

} // namespace troupe::internal::array
