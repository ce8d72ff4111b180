// The worker side of arrays: runs block programs. Each array task name
// (array.add, array.mean_chunk, ...) is registered with this one function,
// so that dashboards and logs tell the kinds of work apart.
#pragma once

#include <string>
#include <string_view>
#include <vector>

#include <msgpack.hpp>

#include "troupe/array/dtype.hpp"
#include "troupe/array/ndarray.hpp"

namespace troupe::internal::array {

/// args: [program, inputs...]; appends the result chunk to `out`.
void run_block_program(const msgpack::object& args, std::string& out);

/// Appends a chunk header for (type, shape) to `out`, sizes `out` for the
/// elements and returns where they start.
std::size_t append_block(std::string& out, dtype type, const shape_t& shape);

/// Every task name that array graphs use.
const std::vector<std::string>& task_names();

} // namespace troupe::internal::array
