#include "array/fusion.hpp"

namespace troupe::detail {

bool computes_in_double(const array_node& n) {
  if (is_floating(n.type))
    return true;
  for (std::size_t k = 0; k < n.inputs.size(); ++k)
    if (n.inputs[k] ? is_floating(n.inputs[k]->type) : n.scalars[k]->floating)
      return true;
  return false;
}

bool is_generator(const array_node& n) {
  return n.kind == node_kind::random || n.kind == node_kind::full || n.kind == node_kind::range
         || n.kind == node_kind::from_function;
}

bool is_fusable(const array_node& n) {
  switch (n.kind) {
  case node_kind::random:
  case node_kind::full:
  case node_kind::range:
  case node_kind::from_function:
  case node_kind::elementwise:
  case node_kind::transpose:
  case node_kind::getitem:
  case node_kind::stack_axis:
  case node_kind::concatenate: return true;
  default: return false;
  }
}

// Whether element-wise input `in` may be folded into an expression computed
// in double (or int64) without its own result being written first. Not when
// it computes in the other type (int64 past 2^53 is not exact in double; a
// comparison of doubles is not one of int64s), nor when it is a cast that
// narrows: the truncation to int64 or bool, or the rounding to float32,
// must happen before the next operation, as NumPy does it.
bool folds_into(const array_node& in, bool as_double) {
  if (computes_in_double(in) != as_double)
    return false;
  return in.op != ew_op::cast || in.type == (as_double ? dtype::float64 : dtype::int64);
}

} // namespace troupe::detail
