// delayed<R>: a lazy call. Nothing runs until a client computes it.
#pragma once

#include <memory>
#include <string>
#include <utility>
#include <vector>

#include "troupe/detail/delayed_node.hpp"
#include "troupe/task.hpp"

namespace troupe {

/// A value that a task graph will produce. Delayed values compose: pass one
/// to another delayed call and it becomes an edge of the graph.
template <class R>
class delayed {
public:
  using value_type = R;

  explicit delayed(detail::node_ptr node) : node_(std::move(node)) {}

  /// The task's key, e.g. "add-5e1f0c9b2d4a6e88".
  std::string key() const { return detail::format_key(node_->function, node_->key); }
  /// Writes the graph as Graphviz DOT (SVG/PNG when `dot` is installed and
  /// the path asks for it); returns the path written.
  std::string visualize(const std::string& path) const {
    return detail::visualize({node_}, path);
  }
  const detail::node_ptr& node() const noexcept { return node_; }

private:
  detail::node_ptr node_;
};

/// Options for delay() and client::submit().
struct task_options {
  bool pure = true;        ///< same function and arguments: same key, run once
  std::uint8_t retries = 0;  ///< how often a failing task is run again
};

template <class F>
class delayed_function;

/// Wraps a registered task function: `delay(add)(x, y)` returns delayed<R>.
template <class R, class... As>
delayed_function<R (*)(As...)> delay(R (*f)(As...), task_options options = {}) {
  return delayed_function<R (*)(As...)>{f, options};
}

} // namespace troupe

#include "troupe/detail/arguments.hpp"

namespace troupe {

template <class F>
class delayed_function {
public:
  using result_type = typename detail::function_traits<F>::result_type;

  delayed_function(F f, task_options options) : f_(f), options_(options) {}

  template <class... Args>
  delayed<result_type> operator()(const Args&... args) const {
    const auto& entry = detail::task_of(f_);
    auto node = std::make_shared<detail::delayed_node>();
    node->function = entry.name;
    detail::dependency_sink sink{&node->dep_keys, &node->nodes, &node->futures};
    detail::pack_call<F>(node->args, sink, args...);
    node->key = options_.pure ? detail::pure_key(node->function, node->args)
                              : detail::random_key();
    node->retries = options_.retries;
    return delayed<result_type>{std::move(node)};
  }

private:
  F f_;
  task_options options_;
};

/// Writes the graph of several delayed values to one file.
template <class R>
std::string visualize(const std::vector<delayed<R>>& values, const std::string& path) {
  std::vector<detail::node_ptr> roots;
  for (auto& v : values)
    roots.push_back(v.node());
  return detail::visualize(roots, path);
}

} // namespace troupe
