// Task functions: TROUPE_TASK registers plain functions by name, so that a
// worker (in this process or another built from the same code) can call them.
#pragma once

#include <cstddef>
#include <string>
#include <string_view>
#include <tuple>
#include <type_traits>
#include <typeinfo>
#include <utility>

#include "troupe/serialization.hpp"

namespace troupe {
namespace detail {

/// Calls a registered function: `args` is a msgpack array with the arguments,
/// the packed result is appended to `out`. Throws on any failure.
using invoke_fn = void (*)(const msgpack::object& args, std::string& out);

struct task_entry {
  std::string name;
  const void* address = nullptr;
  invoke_fn invoke = nullptr;
  std::size_t arity = 0;
  const char* file = "";
  int line = 0;
  const char* signature = "";  ///< mangled function type: part of the build identity
  /// Set for tasks of a loaded task library: its troupe_task_table, called
  /// through `invoke` there with this index (the `invoke` above is unused).
  const void* library = nullptr;
  std::uint32_t library_index = 0;
};

template <class F>
struct function_traits;

template <class R, class... As>
struct function_traits<R (*)(As...)> {
  using result_type = R;
  using args = std::tuple<As...>;
  static constexpr std::size_t arity = sizeof...(As);
};

template <class R, class... As>
struct function_traits<R (*)(As...) noexcept> : function_traits<R (*)(As...)> {};

template <class F, std::size_t I>
using param_t = std::decay_t<std::tuple_element_t<I, typename function_traits<F>::args>>;

/// Throws troupe::decode_error naming the argument and the type expected.
[[noreturn]] void throw_argument_error(std::size_t index, const char* type_name,
                                       const std::exception& cause);
/// Throws when the number of arguments does not match the function.
[[noreturn]] void throw_arity_error(std::size_t expected, std::size_t got);

template <class T>
T convert_argument(const msgpack::object& o, std::size_t index) {
  try {
    return o.as<T>();
  } catch (const std::exception& e) {
    throw_argument_error(index, typeid(T).name(), e);
  }
}

template <auto F, std::size_t... I>
void invoke_with(const msgpack::object& args, std::string& out, std::index_sequence<I...>) {
  using traits = function_traits<decltype(F)>;
  using R = typename traits::result_type;
  if (args.type != msgpack::type::ARRAY)
    throw_arity_error(traits::arity, 0);
  if (args.via.array.size != traits::arity)
    throw_arity_error(traits::arity, args.via.array.size);
  // Braced initialisation evaluates the conversions left to right.
  std::tuple<param_t<decltype(F), I>...> values{
    convert_argument<param_t<decltype(F), I>>(args.via.array.ptr[I], I)...};
  byte_writer writer{&out};
  msgpack::packer<byte_writer> packer{writer};
  if constexpr (std::is_void_v<R>) {
    std::apply(F, std::move(values));  // by-value parameters take the decoded values
    packer.pack_nil();
  } else {
    packer.pack(std::apply(F, std::move(values)));
  }
}

template <auto F>
void invoke_task(const msgpack::object& args, std::string& out) {
  invoke_with<F>(args, out,
                 std::make_index_sequence<function_traits<decltype(F)>::arity>{});
}

template <class F, std::size_t... I>
constexpr bool check_signature(std::index_sequence<I...>) {
  (require_serializable<param_t<F, I>>(), ...);
  using R = typename function_traits<F>::result_type;
  if constexpr (!std::is_void_v<R>)
    require_serializable<R>();
  return true;
}

template <auto F>
task_entry make_task_entry(const char* name) {
  using F_t = decltype(F);
  static_assert(std::is_pointer_v<F_t>, "troupe: TROUPE_TASK takes plain functions");
  check_signature<F_t>(std::make_index_sequence<function_traits<F_t>::arity>{});
  task_entry e;
  e.name = name;
  e.address = reinterpret_cast<const void*>(F);
  e.invoke = &invoke_task<F>;
  e.arity = function_traits<F_t>::arity;
  e.signature = typeid(F_t).name();
  return e;
}

/// Adds entries to the process-wide registry at static initialisation.
struct task_registrar {
  task_registrar(const char* file, int line, std::initializer_list<task_entry> entries);
};

/// Looks up a task by name or by function address; nullptr when unknown.
const task_entry* find_task(std::string_view name) noexcept;
const task_entry* find_task_by_address(const void* address) noexcept;

/// The registered entry for `f`; throws troupe::config_error when `f` was not
/// registered with TROUPE_TASK.
const task_entry& task_of(const void* address);

template <class R, class... As>
const task_entry& task_of(R (*f)(As...)) {
  return task_of(reinterpret_cast<const void*>(f));
}

} // namespace detail

/// A hash of every task's name and signature: processes whose identities
/// differ were built from different task code. 16 hex digits.
std::string build_identity();

/// Names of every registered task, sorted.
std::vector<std::string> registered_tasks();

/// Throws troupe::config_error when two registrations used the same name,
/// naming both places. Called by every cluster and client on start-up.
void check_task_registry();

} // namespace troupe

#define TROUPE_DETAIL_CAT_(a, b) a##b
#define TROUPE_DETAIL_CAT(a, b) TROUPE_DETAIL_CAT_(a, b)
#define TROUPE_DETAIL_ENTRY(f) ::troupe::detail::make_task_entry<&f>(#f)

// Applies TROUPE_DETAIL_ENTRY to up to 16 arguments, comma separated.
#define TROUPE_DETAIL_N(_1, _2, _3, _4, _5, _6, _7, _8, _9, _10, _11, _12, _13, _14, _15,  \
                        _16, N, ...)                                                       \
  N
#define TROUPE_DETAIL_COUNT(...)                                                           \
  TROUPE_DETAIL_N(__VA_ARGS__, 16, 15, 14, 13, 12, 11, 10, 9, 8, 7, 6, 5, 4, 3, 2, 1)
#define TROUPE_DETAIL_E1(f) TROUPE_DETAIL_ENTRY(f)
#define TROUPE_DETAIL_E2(f, ...) TROUPE_DETAIL_ENTRY(f), TROUPE_DETAIL_E1(__VA_ARGS__)
#define TROUPE_DETAIL_E3(f, ...) TROUPE_DETAIL_ENTRY(f), TROUPE_DETAIL_E2(__VA_ARGS__)
#define TROUPE_DETAIL_E4(f, ...) TROUPE_DETAIL_ENTRY(f), TROUPE_DETAIL_E3(__VA_ARGS__)
#define TROUPE_DETAIL_E5(f, ...) TROUPE_DETAIL_ENTRY(f), TROUPE_DETAIL_E4(__VA_ARGS__)
#define TROUPE_DETAIL_E6(f, ...) TROUPE_DETAIL_ENTRY(f), TROUPE_DETAIL_E5(__VA_ARGS__)
#define TROUPE_DETAIL_E7(f, ...) TROUPE_DETAIL_ENTRY(f), TROUPE_DETAIL_E6(__VA_ARGS__)
#define TROUPE_DETAIL_E8(f, ...) TROUPE_DETAIL_ENTRY(f), TROUPE_DETAIL_E7(__VA_ARGS__)
#define TROUPE_DETAIL_E9(f, ...) TROUPE_DETAIL_ENTRY(f), TROUPE_DETAIL_E8(__VA_ARGS__)
#define TROUPE_DETAIL_E10(f, ...) TROUPE_DETAIL_ENTRY(f), TROUPE_DETAIL_E9(__VA_ARGS__)
#define TROUPE_DETAIL_E11(f, ...) TROUPE_DETAIL_ENTRY(f), TROUPE_DETAIL_E10(__VA_ARGS__)
#define TROUPE_DETAIL_E12(f, ...) TROUPE_DETAIL_ENTRY(f), TROUPE_DETAIL_E11(__VA_ARGS__)
#define TROUPE_DETAIL_E13(f, ...) TROUPE_DETAIL_ENTRY(f), TROUPE_DETAIL_E12(__VA_ARGS__)
#define TROUPE_DETAIL_E14(f, ...) TROUPE_DETAIL_ENTRY(f), TROUPE_DETAIL_E13(__VA_ARGS__)
#define TROUPE_DETAIL_E15(f, ...) TROUPE_DETAIL_ENTRY(f), TROUPE_DETAIL_E14(__VA_ARGS__)
#define TROUPE_DETAIL_E16(f, ...) TROUPE_DETAIL_ENTRY(f), TROUPE_DETAIL_E15(__VA_ARGS__)

#ifdef TROUPE_BUILDING_TASK_LIBRARY
// In a task library, tasks go to the library's own table (see
// troupe/task_library.hpp), which TROUPE_TASK_LIBRARY() defines.
__attribute__((visibility("hidden"))) std::vector<::troupe::detail::task_entry>&
troupe_library_tasks();
namespace troupe::detail {
struct library_registrar {
  library_registrar(const char* file, int line, std::initializer_list<task_entry> entries) {
    for (auto e : entries) {
      e.file = file;
      e.line = line;
      troupe_library_tasks().push_back(std::move(e));
    }
  }
};
} // namespace troupe::detail
#define TROUPE_DETAIL_REGISTRAR ::troupe::detail::library_registrar
#else
#define TROUPE_DETAIL_REGISTRAR ::troupe::detail::task_registrar
#endif

/// Registers plain functions as tasks, by their names:
/// `TROUPE_TASK(square, add, square_root);` at namespace scope.
/// A name registered twice is reported by troupe::check_task_registry().
#define TROUPE_TASK(...)                                                                   \
  static const TROUPE_DETAIL_REGISTRAR TROUPE_DETAIL_CAT(troupe_task_registrar_,           \
                                                                  __COUNTER__) {           \
    __FILE__, __LINE__, {                                                                  \
      TROUPE_DETAIL_CAT(TROUPE_DETAIL_E, TROUPE_DETAIL_COUNT(__VA_ARGS__))(__VA_ARGS__)    \
    }                                                                                      \
  }
