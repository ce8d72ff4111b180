// Arguments and results travel as msgpack bytes. This header decides, at
// compile time, which types may travel, and packs and unpacks them.
#pragma once

#include <array>
#include <cstdint>
#include <deque>
#include <list>
#include <map>
#include <optional>
#include <set>
#include <string>
#include <string_view>
#include <tuple>
#include <type_traits>
#include <unordered_map>
#include <unordered_set>
#include <utility>
#include <vector>

#include <msgpack.hpp>

namespace troupe {

/// Opt-in for a type that has its own msgpack adaptor (not MSGPACK_DEFINE):
/// `template <> struct troupe::serializable<my_type> : std::true_type {};`
template <class T, class = void>
struct serializable : std::false_type {};

namespace detail {

template <class T, class = void>
struct has_msgpack_define : std::false_type {};
template <class T>
struct has_msgpack_define<
  T, std::void_t<decltype(&T::template msgpack_pack<msgpack::packer<msgpack::sbuffer>>)>>
  : std::true_type {};

template <class T>
struct is_serializable_impl;

template <class T>
inline constexpr bool is_serializable_v = is_serializable_impl<std::remove_cv_t<T>>::value;

template <class T>
struct is_serializable_impl
  : std::bool_constant<std::is_arithmetic_v<T> || has_msgpack_define<T>::value
                       || serializable<T>::value> {};
template <>
struct is_serializable_impl<std::string> : std::true_type {};
template <class T, class A>
struct is_serializable_impl<std::vector<T, A>> : std::bool_constant<is_serializable_v<T>> {};
template <class T, std::size_t N>
struct is_serializable_impl<std::array<T, N>> : std::bool_constant<is_serializable_v<T>> {};
template <class T, class A>
struct is_serializable_impl<std::list<T, A>> : std::bool_constant<is_serializable_v<T>> {};
template <class T, class A>
struct is_serializable_impl<std::deque<T, A>> : std::bool_constant<is_serializable_v<T>> {};
template <class T, class C, class A>
struct is_serializable_impl<std::set<T, C, A>> : std::bool_constant<is_serializable_v<T>> {};
template <class T, class H, class E, class A>
struct is_serializable_impl<std::unordered_set<T, H, E, A>>
  : std::bool_constant<is_serializable_v<T>> {};
template <class K, class V, class C, class A>
struct is_serializable_impl<std::map<K, V, C, A>>
  : std::bool_constant<is_serializable_v<K> && is_serializable_v<V>> {};
template <class K, class V, class H, class E, class A>
struct is_serializable_impl<std::unordered_map<K, V, H, E, A>>
  : std::bool_constant<is_serializable_v<K> && is_serializable_v<V>> {};
template <class A, class B>
struct is_serializable_impl<std::pair<A, B>>
  : std::bool_constant<is_serializable_v<A> && is_serializable_v<B>> {};
template <class... Ts>
struct is_serializable_impl<std::tuple<Ts...>>
  : std::bool_constant<(is_serializable_v<Ts> && ...)> {};
template <class T>
struct is_serializable_impl<std::optional<T>> : std::bool_constant<is_serializable_v<T>> {};

/// Appends msgpack output to a byte string; msgpack::packer needs `write`.
struct byte_writer {
  std::string* out;
  void write(const char* data, std::size_t size) { out->append(data, size); }
};

} // namespace detail

/// True when T can be an argument or result of a task.
template <class T>
inline constexpr bool is_serializable_v = detail::is_serializable_v<std::decay_t<T>>;

/// Fails compilation with a readable message when T cannot travel.
template <class T>
constexpr void require_serializable() {
  static_assert(is_serializable_v<T>,
                "troupe: this argument or result type cannot be sent to a worker. "
                "Use built-in types, std::string, standard containers, or a struct "
                "with MSGPACK_DEFINE(members...); for a type with its own msgpack "
                "adaptor, specialise troupe::serializable<T> as std::true_type.");
}

/// Packs one value into msgpack bytes.
template <class T>
std::string pack(const T& value) {
  require_serializable<T>();
  std::string out;
  detail::byte_writer writer{&out};
  msgpack::packer<detail::byte_writer> packer{writer};
  packer.pack(value);
  return out;
}

/// Unpacks msgpack bytes into a T; throws troupe::decode_error on bad input.
template <class T>
T unpack(std::string_view bytes);

namespace detail {
[[noreturn]] void throw_decode_error(const char* what, const std::exception& cause);
}

template <class T>
T unpack(std::string_view bytes) {
  require_serializable<T>();
  // One zone per thread, cleared after each use: a fresh object_handle
  // would allocate (and free) 8 KB for every value.
  thread_local msgpack::zone zone{1024};
  struct clear_on_exit {
    msgpack::zone& z;
    ~clear_on_exit() { z.clear(); }
  } guard{zone};
  try {
    return msgpack::unpack(zone, bytes.data(), bytes.size()).template as<T>();
  } catch (const std::exception& e) {
    detail::throw_decode_error("result", e);
  }
}

} // namespace troupe
