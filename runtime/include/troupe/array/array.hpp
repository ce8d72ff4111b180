// troupe::array<T>: a lazy, chunked n-dimensional array, as dask.array.
// Operations build a task graph (one task per output chunk after fusion);
// compute() or persist() runs it on a cluster. See docs/ARRAYS.md.
#pragma once

#include <algorithm>
#include <cmath>
#include <cstdint>
#include <iosfwd>
#include <stdexcept>
#include <memory>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <type_traits>
#include <vector>

#include "troupe/array/block.hpp"
#include "troupe/array/dtype.hpp"
#include "troupe/array/index.hpp"
#include "troupe/array/ndarray.hpp"
#include "troupe/task.hpp"

namespace troupe {

class client;

/// Chunk lengths along each axis, e.g. {{300, 300}, {100, 100}, {200}}.
using chunks_t = std::vector<std::vector<std::int64_t>>;

/// How to cut an array into chunks: a block shape ({1000, 1000}; -1 takes
/// the whole axis; the last chunk of an axis may be shorter), explicit
/// lengths per axis (ragged chunks), or one length for every axis.
class chunk_spec {
public:
  chunk_spec(std::initializer_list<std::int64_t> block_shape) : block_(block_shape) {}
  chunk_spec(shape_t block_shape) : block_(std::move(block_shape)) {}
  chunk_spec(chunks_t lengths) : lengths_(std::move(lengths)), explicit_(true) {}
  chunk_spec(std::int64_t every_axis) : every_(every_axis) {}
  chunk_spec(int every_axis) : every_(every_axis) {}

  /// The chunk lengths for an array of `shape`; throws troupe::error when
  /// they do not fit it, saying how.
  chunks_t resolve(const shape_t& shape) const;

private:
  shape_t block_;
  chunks_t lengths_;
  std::int64_t every_ = 0;
  bool explicit_ = false;
};

namespace detail {

struct array_node;
using array_ptr = std::shared_ptr<const array_node>;

enum class ew_op : std::uint8_t {
  add, sub, mul, div, pow, maximum, minimum,              // arithmetic
  eq, ne, lt, le, gt, ge, logical_and, logical_or,        // give bool
  neg, abs, sqrt, exp, log, sin, cos, logical_not, cast,  // unary
  where,                                                  // ternary
};
enum class reduce_kind : std::uint8_t { sum, mean, min, max, var, std, argmin, argmax };

/// A C++ number combined with an array.
struct scalar {
  double f = 0;
  std::int64_t i = 0;
  bool floating = false;
  template <class S>
  static scalar of(S v) {
    static_assert(std::is_arithmetic_v<S>, "troupe::array: scalars are numbers");
    if constexpr (std::is_floating_point_v<S>)
      return {static_cast<double>(v), static_cast<std::int64_t>(v), true};
    else
      return {static_cast<double>(v), static_cast<std::int64_t>(v), false};
  }
};

dtype node_dtype(const array_node& n) noexcept;
const shape_t& node_shape(const array_node& n) noexcept;
const chunks_t& node_chunks(const array_node& n) noexcept;
/// Tasks that computing this array would send now (after fusion and culling).
std::size_t count_tasks(const array_ptr& n);
void describe(std::ostream& out, const array_ptr& n);
/// The task graph compute() would run, as Graphviz DOT at `path`.
std::string visualize_array(const array_ptr& n, const std::string& path);

array_ptr make_random(int distribution, std::uint64_t seed, double a, double b, dtype t,
                      const shape_t& shape, const chunk_spec& chunks);
array_ptr make_full(dtype t, scalar value, const shape_t& shape, const chunk_spec& chunks);
/// `last`: the exact value of the last element (linspace's stop, which
/// start + (n - 1) * step may miss by a rounding).
array_ptr make_range(dtype t, double start, double step, std::int64_t n,
                     const chunk_spec& chunks, std::optional<double> last);
array_ptr make_from_function(dtype t, const task_entry& f, const shape_t& shape,
                             const chunk_spec& chunks);
array_ptr make_from_data(dtype t, const void* data, const shape_t& shape,
                         const chunk_spec& chunks);
/// `slots`: per parameter of f, the input array it takes a chunk of, or -1
/// for the next of `extras` (packed plain arguments).
array_ptr make_map_blocks(const task_entry& f, dtype out, const std::vector<array_ptr>& inputs,
                          const std::vector<int>& slots, std::vector<std::string> extras,
                          const std::optional<chunks_t>& out_chunks);

array_ptr elementwise(ew_op op, dtype out, const std::vector<array_ptr>& inputs);
array_ptr elementwise_scalar(ew_op op, dtype out, const array_ptr& a, scalar s, bool scalar_first);
array_ptr where_scalars(const array_ptr& cond, const array_ptr& a, const array_ptr& b,
                        std::optional<scalar> sa, std::optional<scalar> sb, dtype out);
array_ptr transpose(const array_ptr& a, const std::vector<int>& perm);
array_ptr getitem(const array_ptr& a, const std::vector<index>& idx);
array_ptr getitem(const array_ptr& a, std::string_view numpy_index);
array_ptr rechunk(const array_ptr& a, const chunk_spec& chunks);
array_ptr reduce(const array_ptr& a, reduce_kind kind, const axes& ax, int ddof,
                 const reduce_options& options);
array_ptr cumsum(const array_ptr& a, int axis);
array_ptr matmul(const array_ptr& a, const array_ptr& b);
array_ptr concatenate(const std::vector<array_ptr>& arrays, int axis);
array_ptr stack(const std::vector<array_ptr>& arrays, int axis);

/// Runs the graph and copies the result, in C order, into `out` (which has
/// room for every element).
void compute_into(client& c, const array_ptr& n, void* out);
/// The same on the default client (the most recently connected one).
void compute_into(const array_ptr& n, void* out);
/// Runs the graph and keeps every chunk on the cluster.
array_ptr persist(client& c, const array_ptr& n);
array_ptr persist(const array_ptr& n);
/// Waits until every chunk of a persisted array is on the cluster; throws
/// the first task's error. Returns at once for arrays not persisted.
void wait_chunks(const array_ptr& n);

/// Checks that `f` is a registered task (TROUPE_TASK) and returns it.
template <class F>
const task_entry& array_task(F f) {
  return task_of(f);
}

} // namespace detail

template <class E>
class array {
  static_assert(is_array_element_v<E>,
                "troupe::array holds double, float, std::int64_t or bool elements");

public:
  using value_type = E;

  explicit array(detail::array_ptr node) : node_(std::move(node)) {}

  const shape_t& shape() const noexcept { return detail::node_shape(*node_); }
  const chunks_t& chunks() const noexcept { return detail::node_chunks(*node_); }
  troupe::dtype dtype() const noexcept { return dtype_of<E>(); }
  std::size_t ndim() const noexcept { return shape().size(); }
  std::int64_t size() const noexcept { return detail::shape_size(shape()); }
  std::int64_t nbytes() const noexcept { return size() * static_cast<std::int64_t>(sizeof(storage_t<E>)); }
  /// Number of chunks.
  std::int64_t npartitions() const noexcept {
    std::int64_t n = 1;
    for (auto& c : chunks())
      n *= static_cast<std::int64_t>(c.size());
    return n;
  }
  /// Tasks that compute() would run now: after fusion and culling.
  std::size_t ntasks() const { return detail::count_tasks(node_); }
  /// Writes the task graph that compute() would run (after fusion and
  /// culling) as Graphviz DOT, or SVG/PNG when `path` ends so and `dot` is
  /// installed; returns the path written. As Dask's x.visualize().
  std::string visualize(const std::string& path) const {
    return detail::visualize_array(node_, path);
  }

  // --- shape -----------------------------------------------------------
  /// Axes reversed (NumPy's x.T).
  array T() const { return transpose(); }
  array transpose() const { return array{detail::transpose(node_, {})}; }
  array transpose(const std::vector<int>& order) const {
    return array{detail::transpose(node_, order)};
  }
  /// x(slice{0, 10, 2}, 3): one integer or slice per axis (missing axes: all).
  template <class... I>
  array operator()(I... idx) const {
    return array{detail::getitem(node_, std::vector<index>{index{to_index(idx)}...})};
  }
  array operator[](const std::vector<index>& idx) const {
    return array{detail::getitem(node_, idx)};
  }
  /// NumPy's syntax in a string: x["::2, 5000:"], x["3, :, -1"].
  array operator[](std::string_view numpy_index) const {
    return array{detail::getitem(node_, numpy_index)};
  }
  array rechunk(const chunk_spec& chunks) const { return array{detail::rechunk(node_, chunks)}; }
  template <class U>
  array<U> astype() const {
    return array<U>{detail::elementwise(detail::ew_op::cast, dtype_of<U>(), {node_})};
  }

  // --- reductions (tree reductions; see reduce_options) ----------------
  using sum_t = element_t<detail::sum_type(dtype_of<E>())>;
  using mean_t = element_t<detail::math_type(dtype_of<E>())>;
  array<sum_t> sum(axes ax = {}, reduce_options o = {}) const {
    return array<sum_t>{detail::reduce(node_, detail::reduce_kind::sum, ax, 0, o)};
  }
  array<mean_t> mean(axes ax = {}, reduce_options o = {}) const {
    return array<mean_t>{detail::reduce(node_, detail::reduce_kind::mean, ax, 0, o)};
  }
  array min(axes ax = {}, reduce_options o = {}) const {
    return array{detail::reduce(node_, detail::reduce_kind::min, ax, 0, o)};
  }
  array max(axes ax = {}, reduce_options o = {}) const {
    return array{detail::reduce(node_, detail::reduce_kind::max, ax, 0, o)};
  }
  /// Variance with `ddof` delta degrees of freedom (NumPy's default 0).
  array<mean_t> var(axes ax = {}, int ddof = 0, reduce_options o = {}) const {
    return array<mean_t>{detail::reduce(node_, detail::reduce_kind::var, ax, ddof, o)};
  }
  array<mean_t> std(axes ax = {}, int ddof = 0, reduce_options o = {}) const {
    return array<mean_t>{detail::reduce(node_, detail::reduce_kind::std, ax, ddof, o)};
  }
  /// Index of the smallest element along `axis`; with no axis, the flat
  /// index (C order) over the whole array, as NumPy.
  array<std::int64_t> argmin(std::optional<int> axis = {}, reduce_options o = {}) const {
    return array<std::int64_t>{
      detail::reduce(node_, detail::reduce_kind::argmin, arg_axes(axis), 0, o)};
  }
  array<std::int64_t> argmax(std::optional<int> axis = {}, reduce_options o = {}) const {
    return array<std::int64_t>{
      detail::reduce(node_, detail::reduce_kind::argmax, arg_axes(axis), 0, o)};
  }
  array<sum_t> cumsum(int axis) const { return array<sum_t>{detail::cumsum(node_, axis)}; }

  // --- running ------------------------------------------------------------
  /// Runs the graph on the client's cluster; the dense result.
  ndarray<E> compute(client& c) const {
    std::vector<storage_t<E>> values(static_cast<std::size_t>(size()));
    detail::compute_into(c, node_, values.data());
    return ndarray<E>{shape(), std::move(values)};
  }
  /// The same on the default client: the most recently connected one.
  ndarray<E> compute() const {
    std::vector<storage_t<E>> values(static_cast<std::size_t>(size()));
    detail::compute_into(node_, values.data());
    return ndarray<E>{shape(), std::move(values)};
  }
  /// Starts the graph and keeps the chunks on the cluster (returns at once);
  /// the returned array starts later graphs from them.
  array persist(client& c) const { return array{detail::persist(c, node_)}; }
  array persist() const { return array{detail::persist(node_)}; }

  const detail::array_ptr& node() const noexcept { return node_; }

private:
  template <class I>
  static index to_index(I i) {
    if constexpr (std::is_integral_v<I>)
      return index{static_cast<std::int64_t>(i)};
    else
      return index{i};
  }
  static axes arg_axes(std::optional<int> axis) { return axis ? axes{*axis} : axes{}; }

  detail::array_ptr node_;
};

/// Waits until a persisted array's chunks are computed (as distributed's
/// wait(x.persist())); throws troupe::task_error when one failed.
template <class T>
void wait(const array<T>& a) {
  detail::wait_chunks(a.node());
}

/// Prints Dask's summary table: shape, chunk shape, bytes, chunks, tasks.
template <class T>
std::ostream& operator<<(std::ostream& out, const array<T>& a) {
  detail::describe(out, a.node());
  return out;
}

// --- element-wise operators (with NumPy broadcasting) -------------------
namespace detail {
template <class A, class B>
using promote_t = element_t<promote(dtype_of<A>(), dtype_of<B>())>;
template <class A, class B>
using divide_t = element_t<divide_type(dtype_of<A>(), dtype_of<B>())>;
template <class A, class S>
using scalar_promote_t = element_t<scalar_promote(dtype_of<A>(), std::is_floating_point_v<S>)>;
template <class A, class S>
using scalar_divide_t = element_t<divide_type(dtype_of<A>(), std::is_floating_point_v<S> ? dtype::float64 : dtype::int64)>;
template <class S>
inline constexpr bool is_scalar_v = std::is_arithmetic_v<S> && !std::is_same_v<S, bool>;
} // namespace detail

#define TROUPE_ARRAY_BINARY(symbol, op, result, scalar_result)                                  \
  template <class A, class B>                                                                  \
  array<result<A, B>> operator symbol(const array<A>& a, const array<B>& b) {                  \
    return array<result<A, B>>{                                                                \
      detail::elementwise(detail::ew_op::op, dtype_of<result<A, B>>(), {a.node(), b.node()})}; \
  }                                                                                            \
  template <class A, class S, std::enable_if_t<detail::is_scalar_v<S>, int> = 0>               \
  array<scalar_result<A, S>> operator symbol(const array<A>& a, S s) {                         \
    return array<scalar_result<A, S>>{detail::elementwise_scalar(                              \
      detail::ew_op::op, dtype_of<scalar_result<A, S>>(), a.node(), detail::scalar::of(s),     \
      false)};                                                                                 \
  }                                                                                            \
  template <class A, class S, std::enable_if_t<detail::is_scalar_v<S>, int> = 0>               \
  array<scalar_result<A, S>> operator symbol(S s, const array<A>& a) {                         \
    return array<scalar_result<A, S>>{detail::elementwise_scalar(                              \
      detail::ew_op::op, dtype_of<scalar_result<A, S>>(), a.node(), detail::scalar::of(s),     \
      true)};                                                                                  \
  }

namespace detail {
template <class A, class B>
using bool_t = bool;
}

TROUPE_ARRAY_BINARY(+, add, detail::promote_t, detail::scalar_promote_t)
TROUPE_ARRAY_BINARY(-, sub, detail::promote_t, detail::scalar_promote_t)
TROUPE_ARRAY_BINARY(*, mul, detail::promote_t, detail::scalar_promote_t)
TROUPE_ARRAY_BINARY(/, div, detail::divide_t, detail::scalar_divide_t)
TROUPE_ARRAY_BINARY(==, eq, detail::bool_t, detail::bool_t)
TROUPE_ARRAY_BINARY(!=, ne, detail::bool_t, detail::bool_t)
TROUPE_ARRAY_BINARY(<, lt, detail::bool_t, detail::bool_t)
TROUPE_ARRAY_BINARY(<=, le, detail::bool_t, detail::bool_t)
TROUPE_ARRAY_BINARY(>, gt, detail::bool_t, detail::bool_t)
TROUPE_ARRAY_BINARY(>=, ge, detail::bool_t, detail::bool_t)
#undef TROUPE_ARRAY_BINARY

inline array<bool> operator&(const array<bool>& a, const array<bool>& b) {
  return array<bool>{detail::elementwise(detail::ew_op::logical_and, dtype::boolean, {a.node(), b.node()})};
}
inline array<bool> operator|(const array<bool>& a, const array<bool>& b) {
  return array<bool>{detail::elementwise(detail::ew_op::logical_or, dtype::boolean, {a.node(), b.node()})};
}
inline array<bool> operator!(const array<bool>& a) {
  return array<bool>{detail::elementwise(detail::ew_op::logical_not, dtype::boolean, {a.node()})};
}

template <class A>
array<A> operator-(const array<A>& a) {
  return array<A>{detail::elementwise(detail::ew_op::neg, dtype_of<A>(), {a.node()})};
}

#define TROUPE_ARRAY_MATH(name)                                                               \
  template <class A>                                                                         \
  array<element_t<detail::math_type(dtype_of<A>())>> name(const array<A>& a) {               \
    using R = element_t<detail::math_type(dtype_of<A>())>;                                   \
    return array<R>{detail::elementwise(detail::ew_op::name, dtype_of<R>(), {a.node()})};    \
  }
TROUPE_ARRAY_MATH(sqrt)
TROUPE_ARRAY_MATH(exp)
TROUPE_ARRAY_MATH(log)
TROUPE_ARRAY_MATH(sin)
TROUPE_ARRAY_MATH(cos)
#undef TROUPE_ARRAY_MATH

template <class A>
array<A> abs(const array<A>& a) {
  return array<A>{detail::elementwise(detail::ew_op::abs, dtype_of<A>(), {a.node()})};
}

/// a ** b element-wise, NumPy's types.
template <class A, class B>
array<detail::promote_t<A, B>> pow(const array<A>& a, const array<B>& b) {
  using R = detail::promote_t<A, B>;
  return array<R>{detail::elementwise(detail::ew_op::pow, dtype_of<R>(), {a.node(), b.node()})};
}
template <class A, class S, std::enable_if_t<detail::is_scalar_v<S>, int> = 0>
array<detail::scalar_promote_t<A, S>> pow(const array<A>& a, S s) {
  using R = detail::scalar_promote_t<A, S>;
  return array<R>{
    detail::elementwise_scalar(detail::ew_op::pow, dtype_of<R>(), a.node(), detail::scalar::of(s), false)};
}
template <class A, class B>
array<detail::promote_t<A, B>> maximum(const array<A>& a, const array<B>& b) {
  using R = detail::promote_t<A, B>;
  return array<R>{detail::elementwise(detail::ew_op::maximum, dtype_of<R>(), {a.node(), b.node()})};
}
template <class A, class B>
array<detail::promote_t<A, B>> minimum(const array<A>& a, const array<B>& b) {
  using R = detail::promote_t<A, B>;
  return array<R>{detail::elementwise(detail::ew_op::minimum, dtype_of<R>(), {a.node(), b.node()})};
}

/// cond ? a : b element-wise, with broadcasting; a and b may be scalars.
template <class A, class B>
array<detail::promote_t<A, B>> where(const array<bool>& cond, const array<A>& a,
                                     const array<B>& b) {
  using R = detail::promote_t<A, B>;
  return array<R>{detail::where_scalars(cond.node(), a.node(), b.node(), {}, {}, dtype_of<R>())};
}
template <class A, class S, std::enable_if_t<detail::is_scalar_v<S>, int> = 0>
array<detail::scalar_promote_t<A, S>> where(const array<bool>& cond, const array<A>& a, S b) {
  using R = detail::scalar_promote_t<A, S>;
  return array<R>{detail::where_scalars(cond.node(), a.node(), nullptr, {}, detail::scalar::of(b), dtype_of<R>())};
}
template <class A, class S, std::enable_if_t<detail::is_scalar_v<S>, int> = 0>
array<detail::scalar_promote_t<A, S>> where(const array<bool>& cond, S a, const array<A>& b) {
  using R = detail::scalar_promote_t<A, S>;
  return array<R>{detail::where_scalars(cond.node(), nullptr, b.node(), detail::scalar::of(a), {}, dtype_of<R>())};
}

/// Matrix product of 2-D arrays (NumPy's a @ b).
template <class A, class B>
array<detail::promote_t<A, B>> matmul(const array<A>& a, const array<B>& b) {
  return array<detail::promote_t<A, B>>{detail::matmul(a.node(), b.node())};
}
template <class A, class B>
array<detail::promote_t<A, B>> dot(const array<A>& a, const array<B>& b) {
  return matmul(a, b);
}

/// Joins arrays along an existing axis; other axes must have equal lengths.
template <class T>
array<T> concatenate(const std::vector<array<T>>& arrays, int axis = 0) {
  std::vector<detail::array_ptr> nodes;
  for (auto& a : arrays)
    nodes.push_back(a.node());
  return array<T>{detail::concatenate(nodes, axis)};
}
/// Joins equal-shaped arrays along a new axis.
template <class T>
array<T> stack(const std::vector<array<T>>& arrays, int axis = 0) {
  std::vector<detail::array_ptr> nodes;
  for (auto& a : arrays)
    nodes.push_back(a.node());
  return array<T>{detail::stack(nodes, axis)};
}

// --- creation -----------------------------------------------------------
template <class T = double>
array<T> full(const shape_t& shape, T value, const chunk_spec& chunks) {
  return array<T>{detail::make_full(dtype_of<T>(), detail::scalar::of(static_cast<std::conditional_t<std::is_same_v<T, bool>, int, T>>(value)), shape, chunks)};
}
template <class T = double>
array<T> zeros(const shape_t& shape, const chunk_spec& chunks) {
  return full<T>(shape, T{0}, chunks);
}
template <class T = double>
array<T> ones(const shape_t& shape, const chunk_spec& chunks) {
  return full<T>(shape, T{1}, chunks);
}
/// start, start + step, ... below stop (NumPy's arange).
template <class T = double>
array<T> arange(double start, double stop, double step, const chunk_spec& chunks) {
  if (step == 0)
    throw std::invalid_argument("troupe::arange: step is 0");
  auto n = static_cast<std::int64_t>(std::max(0.0, std::ceil((stop - start) / step)));
  return array<T>{detail::make_range(dtype_of<T>(), start, step, n, chunks, std::nullopt)};
}
template <class T = double>
array<T> arange(double stop, const chunk_spec& chunks) {
  return arange<T>(0, stop, 1, chunks);
}
/// `num` evenly spaced values from start to stop, both included.
template <class T = double>
array<T> linspace(double start, double stop, std::int64_t num, const chunk_spec& chunks) {
  double step = num > 1 ? (stop - start) / static_cast<double>(num - 1) : 0.0;
  return array<T>{detail::make_range(dtype_of<T>(), start, step, num, chunks,
                                     num > 1 ? std::optional<double>{stop} : std::nullopt)};
}
/// Element (i, j, ...) = f({i, j, ...}); f is a TROUPE_TASK, run on workers.
template <class T>
array<T> from_function(T (*f)(std::vector<std::int64_t>), const shape_t& shape,
                       const chunk_spec& chunks) {
  return array<T>{detail::make_from_function(dtype_of<T>(), detail::array_task(f), shape, chunks)};
}
/// Copies local values (C order) into an array cut into chunks; the data
/// travels in the task graph, so nothing runs until compute.
template <class T>
array<T> from_span(std::span<const storage_t<T>> values, const shape_t& shape,
                   const chunk_spec& chunks) {
  if (static_cast<std::int64_t>(values.size()) != detail::shape_size(shape))
    throw std::invalid_argument("troupe::from_span: " + std::to_string(values.size())
                                + " values do not fill the shape");
  return array<T>{detail::make_from_data(dtype_of<T>(), values.data(), shape, chunks)};
}
template <class T>
array<T> from_vector(const std::vector<T>& values, const shape_t& shape, const chunk_spec& chunks) {
  static_assert(!std::is_same_v<T, bool>, "troupe::from_vector: use from_span<bool> with bytes");
  return from_span<T>(std::span<const T>{values}, shape, chunks);
}
template <class T>
array<T> from_vector(const std::vector<T>& values, const chunk_spec& chunks) {
  return from_vector<T>(values, shape_t{static_cast<std::int64_t>(values.size())}, chunks);
}

/// Options of map_blocks.
struct map_options {
  /// The result's chunks; by default those of the first array argument.
  std::optional<chunks_t> chunks;
};

namespace detail {
template <class T>
struct is_array : std::false_type {};
template <class T>
struct is_array<array<T>> : std::true_type {};

template <class Param, class Arg>
void map_argument(std::vector<array_ptr>& inputs, std::vector<int>& slots,
                  std::vector<std::string>& extras, const Arg& arg) {
  if constexpr (is_array<Arg>::value) {
    static_assert(std::is_same_v<Param, block<typename Arg::value_type>>,
                  "troupe::map_blocks: an array<T> argument needs a block<T> parameter");
    slots.push_back(static_cast<int>(inputs.size()));
    inputs.push_back(arg.node());
  } else {
    static_assert(std::is_convertible_v<const Arg&, Param>,
                  "troupe::map_blocks: an argument's type does not match the parameter");
    slots.push_back(-1);
    extras.push_back(pack(static_cast<Param>(arg)));
  }
}
} // namespace detail

/// f(chunk, ...) for every chunk: f is a TROUPE_TASK taking troupe::block<T>
/// for each array argument (the chunks at the same position) and plain
/// values for the others, and returning a block. As Dask's map_blocks.
template <class R, class... Ps, class... Args>
array<R> map_blocks(map_options options, block<R> (*f)(Ps...), const Args&... args) {
  static_assert(sizeof...(Ps) == sizeof...(Args),
                "troupe::map_blocks: wrong number of arguments for this function");
  std::vector<detail::array_ptr> inputs;
  std::vector<int> slots;
  std::vector<std::string> extras;
  (detail::map_argument<std::decay_t<Ps>>(inputs, slots, extras, args), ...);
  return array<R>{detail::make_map_blocks(detail::array_task(f), dtype_of<R>(), inputs, slots,
                                          std::move(extras), options.chunks)};
}
template <class R, class... Ps, class... Args>
array<R> map_blocks(block<R> (*f)(Ps...), const Args&... args) {
  return map_blocks(map_options{}, f, args...);
}

namespace random {
/// Options of the random generators: the seed decides every value,
/// whatever the number of workers (each chunk's stream comes from the seed
/// and the chunk's index).
struct options {
  std::uint64_t seed = 0;
};
/// Uniform on [low, high).
template <class T = double>
array<T> uniform(const shape_t& shape, const chunk_spec& chunks, double low = 0.0,
                 double high = 1.0, options o = {}) {
  static_assert(std::is_floating_point_v<T>, "troupe::random::uniform makes float or double");
  return array<T>{detail::make_random(0, o.seed, low, high, dtype_of<T>(), shape, chunks)};
}
/// Normal with mean `loc` and standard deviation `scale`.
template <class T = double>
array<T> normal(const shape_t& shape, const chunk_spec& chunks, double loc = 0.0,
                double scale = 1.0, options o = {}) {
  static_assert(std::is_floating_point_v<T>, "troupe::random::normal makes float or double");
  return array<T>{detail::make_random(1, o.seed, loc, scale, dtype_of<T>(), shape, chunks)};
}
/// Integers uniform on [low, high).
inline array<std::int64_t> integers(const shape_t& shape, const chunk_spec& chunks,
                                    std::int64_t low, std::int64_t high, options o = {}) {
  return array<std::int64_t>{detail::make_random(2, o.seed, static_cast<double>(low),
                                                 static_cast<double>(high), dtype::int64, shape,
                                                 chunks)};
}
} // namespace random

} // namespace troupe
