// What the files that build array nodes share (nodes.cpp, indexing.cpp).
#pragma once

#include <memory>
#include <string>

#include "array/node.hpp"

namespace troupe::detail {

/// "(3, 4)", "(5,)": a shape as NumPy prints it.
std::string show(const shape_t& shape);
/// Throws troupe::error("troupe::array: " + what).
[[noreturn]] void fail(const std::string& what);
/// A node with its metadata set, to be filled in.
std::shared_ptr<array_node> node_of(node_kind kind, dtype t, shape_t shape, chunks_t chunks);

} // namespace troupe::detail
