// Array nodes to tasks (graph.cpp), and the chunk-index arithmetic that
// graph building and gathering results share.
#pragma once

#include <cstdint>
#include <vector>

#include "array/node.hpp"
#include "troupe/detail/task_batch.hpp"

namespace troupe::detail {

using idx_t = std::vector<std::int64_t>;

/// The tasks that make every chunk of `n` (culled, fused, in priority
/// order) and each chunk's key, chunks in C order.
struct built_graph {
  task_batch batch;
  std::vector<task_key> keys;
};
built_graph build_graph(const array_node& n);

/// A chunk's index in C order among all the node's chunks.
inline std::int64_t linear(const array_node& n, const idx_t& idx) {
  std::int64_t l = 0;
  for (std::size_t d = 0; d < idx.size(); ++d)
    l = l * static_cast<std::int64_t>(n.chunks[d].size()) + idx[d];
  return l;
}

/// A chunk's shape.
inline shape_t block_shape(const array_node& n, const idx_t& idx) {
  shape_t s;
  for (std::size_t d = 0; d < idx.size(); ++d)
    s.push_back(n.chunks[d][static_cast<std::size_t>(idx[d])]);
  return s;
}

/// Where a chunk starts along each axis.
inline idx_t block_offsets(const array_node& n, const idx_t& idx) {
  idx_t o;
  for (std::size_t d = 0; d < idx.size(); ++d) {
    std::int64_t s = 0;
    for (std::int64_t k = 0; k < idx[d]; ++k)
      s += n.chunks[d][static_cast<std::size_t>(k)];
    o.push_back(s);
  }
  return o;
}

/// Calls f(idx) for every chunk index of `counts`, in C order.
template <class F>
inline void for_each_index(const idx_t& counts, F&& f) {
  for (auto c : counts)
    if (c == 0)
      return;
  idx_t idx(counts.size(), 0);
  for (;;) {
    f(idx);
    std::size_t d = counts.size();
    for (;;) {
      if (d == 0)
        return;
      --d;
      if (++idx[d] < counts[d])
        break;
      idx[d] = 0;
    }
  }
}

} // namespace troupe::detail
