// Packs a call's arguments; futures and delayed values become placeholders
// (graph edges) instead of data. Not API.
#pragma once

#include <cstring>
#include <type_traits>
#include <utility>
#include <vector>

#include "troupe/delayed.hpp"
#include "troupe/future.hpp"
#include "troupe/task.hpp"

namespace troupe::detail {

template <class T>
struct is_future : std::false_type {};
template <class T>
struct is_future<future<T>> : std::true_type {};
template <class T>
struct is_delayed : std::false_type {};
template <class T>
struct is_delayed<delayed<T>> : std::true_type {};
template <class T>
inline constexpr bool is_handle_v = is_future<T>::value || is_delayed<T>::value;

template <class T>
struct is_handle_vector : std::false_type {};
template <class T, class A>
struct is_handle_vector<std::vector<T, A>> : std::bool_constant<is_handle_v<T>> {};

/// Where packing records the dependencies it meets.
struct dependency_sink {
  std::vector<task_key>* keys = nullptr;
  std::vector<node_ptr>* nodes = nullptr;     // null: delayed values not allowed
  std::vector<state_ptr>* futures = nullptr;  // null: no need to keep futures alive
};

using arg_packer = msgpack::packer<byte_writer>;

inline void pack_placeholder(arg_packer& p, task_key key) {
  char raw[sizeof key];
  std::memcpy(raw, &key, sizeof key);
  p.pack_ext(sizeof key, dependency_ext_type);
  p.pack_ext_body(raw, sizeof key);
}

template <class H>
void pack_handle(arg_packer& p, dependency_sink& sink, const H& h) {
  if constexpr (is_future<H>::value) {
    if (!h.valid())
      throw error("troupe: an empty future was passed as an argument");
    pack_placeholder(p, h.state()->key);
    sink.keys->push_back(h.state()->key);
    if (sink.futures)
      sink.futures->push_back(h.state());
  } else {
    if (!sink.nodes)
      throw error("troupe: a delayed value was passed to submit; compute it first or use delay");
    pack_placeholder(p, h.node()->key);
    sink.keys->push_back(h.node()->key);
    sink.nodes->push_back(h.node());
  }
}

template <class Param, class Arg>
void pack_argument(arg_packer& p, dependency_sink& sink, const Arg& arg) {
  if constexpr (is_handle_v<Arg>) {
    static_assert(std::is_convertible_v<typename Arg::value_type, Param>,
                  "troupe: a future/delayed argument's type does not match the parameter");
    pack_handle(p, sink, arg);
  } else if constexpr (is_handle_vector<Arg>::value) {
    p.pack_array(static_cast<uint32_t>(arg.size()));
    for (auto& h : arg)
      pack_handle(p, sink, h);
  } else {
    static_assert(std::is_convertible_v<const Arg&, Param>,
                  "troupe: an argument's type does not match the task's parameter");
    require_serializable<Param>();
    if constexpr (std::is_same_v<std::decay_t<Arg>, Param>)
      p.pack(arg);
    else
      p.pack(static_cast<Param>(arg));
  }
}

/// Appends msgpack array [args...] to `out`, checked against F's signature.
template <class F, class... Args>
void pack_call(std::string& out, dependency_sink& sink, const Args&... args) {
  static_assert(function_traits<F>::arity == sizeof...(Args),
                "troupe: wrong number of arguments for this task function");
  byte_writer w{&out};
  arg_packer p{w};
  p.pack_array(sizeof...(Args));
  [&]<std::size_t... I>(std::index_sequence<I...>) {
    (pack_argument<param_t<F, I>>(p, sink, args), ...);
  }(std::index_sequence_for<Args...>{});
}

} // namespace troupe::detail
