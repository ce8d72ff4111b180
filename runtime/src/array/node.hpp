// An array's place in the graph: its metadata (type, shape, chunks) and the
// operation that makes each of its chunks from its inputs' chunks. Nodes
// are immutable and shared; graph.cpp turns them into tasks.
#pragma once

#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "troupe/array/array.hpp"
#include "troupe/detail/future_state.hpp"

namespace troupe::detail {

enum class node_kind : std::uint8_t {
  random, full, range, from_function,   // generators: fused into their users
  from_data,                            // local data carried in the graph
  map_blocks,                           // a user task per chunk
  elementwise, transpose, getitem, stack_axis,  // chunk by chunk: fused
  concatenate,                          // only renames chunks
  rechunk, reduce, cumsum, matmul,      // many chunks to one
  persisted,                            // chunks already on the cluster
};

/// How an output chunk of getitem reads its input along one axis.
struct axis_piece {
  std::int64_t block;  // input chunk index
  std::int64_t start;  // first element inside that chunk
  std::int64_t step;
  std::int64_t count;
};

struct array_node {
  node_kind kind{};
  dtype type{};
  shape_t shape;
  chunks_t chunks;
  std::vector<array_ptr> inputs;  // null where an element-wise operand is a scalar

  // Generators.
  int distribution = 0;
  std::uint64_t seed = 0;
  double a = 0, b = 0;  // random parameters; range start and step
  std::optional<double> last;  // range: the exact last value (linspace's stop)
  scalar value;         // full; element-wise scalar operands are in `scalars`

  // from_function, map_blocks.
  std::string function;
  std::string signature;

  // map_blocks: per parameter, an input index or -1 (the next packed extra).
  std::vector<int> slots;
  std::vector<std::string> extras;

  // from_data: the whole array's elements, C order.
  std::shared_ptr<const std::string> data;

  // Element-wise.
  ew_op op{};
  std::vector<std::optional<scalar>> scalars;  // one per input slot

  // transpose: output axis d is input axis perm[d]; stack_axis/concatenate: axis.
  std::vector<int> perm;
  int axis = 0;

  // getitem: per output axis of the sliced input, the pieces (one per output
  // chunk); `dropped`: input axes indexed by an integer (removed).
  std::vector<std::vector<axis_piece>> pieces;
  std::vector<bool> dropped;

  // reduce.
  reduce_kind reduction{};
  std::uint64_t axes_mask = 0;
  int ddof = 0;
  int split_every = 8;
  bool keepdims = false;

  // persisted: one key (and future) per chunk, C order of chunk indices.
  std::vector<task_key> keys;
  std::vector<state_ptr> states;
};

/// Number of chunks along each axis.
std::vector<std::int64_t> blocks_per_axis(const chunks_t& chunks);
/// Start of every chunk along one axis (one more entry: the axis length).
std::vector<std::int64_t> chunk_starts(const std::vector<std::int64_t>& lengths);

} // namespace troupe::detail
