// One call in a lazy graph. Not API; troupe::delayed<R> wraps a pointer to it.
#pragma once

#include <memory>
#include <string>
#include <vector>

#include "troupe/detail/future_state.hpp"

namespace troupe::detail {

struct delayed_node;
using node_ptr = std::shared_ptr<delayed_node>;

struct delayed_node {
  delayed_node() = default;
  /// Takes long chains apart without recursion (a chain of 100,000 calls
  /// would otherwise overflow the stack).
  ~delayed_node();
  delayed_node(const delayed_node&) = delete;
  delayed_node& operator=(const delayed_node&) = delete;

  task_key key = 0;
  std::string function;
  std::string args;               // msgpack array; dependencies as placeholders
  std::vector<task_key> dep_keys;  // every placeholder's key, in order
  std::vector<node_ptr> nodes;     // lazy dependencies
  std::vector<state_ptr> futures;  // dependencies already on the cluster
  state_ptr persisted;             // set when this node was persisted
  std::uint8_t retries = 0;
};

/// Writes the graph below `roots` as Graphviz DOT to `path`; when the path
/// ends in .svg or .png and the `dot` program exists, renders it. Returns
/// the path written (".dot" is used when rendering is impossible).
std::string visualize(const std::vector<node_ptr>& roots, const std::string& path);
/// Writes Graphviz DOT text to `path` (rendered to SVG/PNG when the path asks
/// for it and `dot` is installed); returns the path written.
std::string write_graph(const std::string& dot, const std::string& path);

} // namespace troupe::detail
