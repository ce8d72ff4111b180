#include "troupe/detail/delayed_node.hpp"

namespace troupe::detail {

delayed_node::~delayed_node() {
  std::vector<node_ptr> stack = std::move(nodes);
  while (!stack.empty()) {
    node_ptr n = std::move(stack.back());
    stack.pop_back();
    if (n.use_count() == 1) {
      // Last owner: adopt its children so its destructor has none to recurse into.
      for (auto& child : n->nodes)
        stack.push_back(std::move(child));
      n->nodes.clear();
    }
  }
}

} // namespace troupe::detail
