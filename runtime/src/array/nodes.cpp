// Building array nodes: shapes, chunks and types are checked here, when the
// user writes the expression, so mistakes are reported where they are made.
#include <algorithm>
#include <cmath>
#include <cstring>
#include <numeric>
#include <sstream>

#include "array/node.hpp"
#include "array/node_building.hpp"
#include "common/logging.hpp"
#include "troupe/errors.hpp"

namespace troupe {

namespace detail {

std::string show(const shape_t& s) {
  std::string out = "(";
  for (std::size_t i = 0; i < s.size(); ++i)
    out += (i ? ", " : "") + std::to_string(s[i]);
  return out + (s.size() == 1 ? ",)" : ")");
}

void fail(const std::string& what) { throw error("troupe::array: " + what); }

std::shared_ptr<array_node> node_of(node_kind kind, dtype t, shape_t shape, chunks_t chunks) {
  auto n = std::make_shared<array_node>();
  n->kind = kind;
  n->type = t;
  n->shape = std::move(shape);
  n->chunks = std::move(chunks);
  return n;
}

} // namespace detail

namespace {

using detail::fail;
using detail::show;

void check_shape(const shape_t& shape) {
  if (shape.size() > 32)
    fail("at most 32 dimensions are supported, not " + std::to_string(shape.size()));
  for (auto d : shape)
    if (d < 0)
      fail("shape " + show(shape) + " has a negative length");
}

std::vector<std::int64_t> regular(std::int64_t length, std::int64_t block) {
  if (length == 0)
    return {0};
  if (block <= 0 || block >= length)
    return {length};
  std::vector<std::int64_t> out(static_cast<std::size_t>(length / block), block);
  if (length % block)
    out.push_back(length % block);
  return out;
}

} // namespace

chunks_t chunk_spec::resolve(const shape_t& shape) const {
  check_shape(shape);
  chunks_t out;
  if (explicit_) {
    if (lengths_.size() != shape.size())
      fail("chunks give " + std::to_string(lengths_.size()) + " axes for shape " + show(shape));
    for (std::size_t d = 0; d < shape.size(); ++d) {
      std::int64_t sum = 0;
      for (auto c : lengths_[d]) {
        if (c < 0)
          fail("chunks along axis " + std::to_string(d) + " have a negative length");
        sum += c;
      }
      if (sum != shape[d] || lengths_[d].empty())
        fail("chunks along axis " + std::to_string(d) + " add up to " + std::to_string(sum)
             + ", but the shape " + show(shape) + " has " + std::to_string(shape[d]));
      out.push_back(lengths_[d]);
    }
    return out;
  }
  if (!block_.empty() && block_.size() != shape.size())
    fail("chunk shape " + show(block_) + " does not have one length per axis of shape "
         + show(shape));
  for (std::size_t d = 0; d < shape.size(); ++d) {
    std::int64_t b = block_.empty() ? every_ : block_[d];
    if (b == 0 || b < -1)
      fail("chunk length " + std::to_string(b) + " along axis " + std::to_string(d)
           + " (use a positive length, or -1 for the whole axis)");
    out.push_back(regular(shape[d], b));
  }
  return out;
}

namespace detail {

std::vector<std::int64_t> blocks_per_axis(const chunks_t& chunks) {
  std::vector<std::int64_t> n;
  for (auto& c : chunks)
    n.push_back(static_cast<std::int64_t>(c.size()));
  return n;
}

std::vector<std::int64_t> chunk_starts(const std::vector<std::int64_t>& lengths) {
  std::vector<std::int64_t> s{0};
  for (auto l : lengths)
    s.push_back(s.back() + l);
  return s;
}

dtype node_dtype(const array_node& n) noexcept { return n.type; }
const shape_t& node_shape(const array_node& n) noexcept { return n.shape; }
const chunks_t& node_chunks(const array_node& n) noexcept { return n.chunks; }

namespace {

std::string human_bytes(double b) {
  const char* units[] = {"B", "KiB", "MiB", "GiB", "TiB"};
  int u = 0;
  while (b >= 1024 && u < 4) {
    b /= 1024;
    ++u;
  }
  std::ostringstream out;
  out.precision(b < 10 && u > 0 ? 3 : 4);
  out << b << " " << units[u];
  return out.str();
}

shape_t largest_chunk(const chunks_t& chunks) {
  shape_t s;
  for (auto& c : chunks)
    s.push_back(c.empty() ? 0 : *std::max_element(c.begin(), c.end()));
  return s;
}

// Dask's advice, as a warning: chunks decide both the scheduler's overhead
// (one task each) and each worker's memory (a few chunks per thread).
void warn_about_chunks(const array_node& n) {
  std::int64_t parts = 1;
  for (auto& c : n.chunks)
    parts *= static_cast<std::int64_t>(c.size());
  shape_t big = largest_chunk(n.chunks);
  double bytes = static_cast<double>(shape_size(big)) * static_cast<double>(itemsize(n.type));
  constexpr double small = 1 << 20, large = 512.0 * (1 << 20), target = 64.0 * (1 << 20);
  bool too_small = parts > 1 && bytes < small;
  bool too_large = bytes > large;
  if (!too_small && !too_large)
    return;
  // Scale every axis by the same factor towards ~64 MiB chunks.
  double factor = std::pow(target / std::max(bytes, 1.0), 1.0 / std::max<std::size_t>(1, big.size()));
  shape_t suggestion;
  for (std::size_t d = 0; d < big.size(); ++d)
    suggestion.push_back(std::clamp<std::int64_t>(
      static_cast<std::int64_t>(std::llround(static_cast<double>(big[d]) * factor)), 1,
      std::max<std::int64_t>(1, n.shape[d])));
  internal::init_logging();
  if (too_small)
    spdlog::warn("troupe::array of shape {} has chunks of {} (under 1 MiB): each chunk is a task, "
                 "and with chunks this small the scheduling overhead outweighs the work; "
                 "consider .rechunk({})",
                 show(n.shape), human_bytes(bytes), show(suggestion));
  else
    spdlog::warn("troupe::array of shape {} has chunks of {} (over 512 MiB): each worker thread "
                 "holds a few chunks at once, so chunks this big can exhaust a worker's memory; "
                 "consider .rechunk({})",
                 show(n.shape), human_bytes(bytes), show(suggestion));
}

array_ptr created(std::shared_ptr<array_node> n) {
  warn_about_chunks(*n);
  return n;
}

// `a` in other chunks, to line it up with another operand. Without the
// advice: the user did not make this array, and the array it lines up with
// had its own (x + y with y in other chunks warned about x's chunks twice).
array_ptr aligned(const array_ptr& a, const chunk_spec& spec) {
  chunks_t chunks = spec.resolve(a->shape);
  if (chunks == a->chunks)
    return a;
  auto n = node_of(node_kind::rechunk, a->type, a->shape, chunks);
  n->inputs = {a};
  return n;
}

std::vector<std::int64_t> normalise_axes(const axes& ax, std::size_t ndim) {
  std::vector<std::int64_t> out;
  if (ax.all()) {
    for (std::size_t d = 0; d < ndim; ++d)
      out.push_back(static_cast<std::int64_t>(d));
    return out;
  }
  for (int a : ax.list()) {
    std::int64_t d = a < 0 ? a + static_cast<std::int64_t>(ndim) : a;
    if (d < 0 || d >= static_cast<std::int64_t>(ndim))
      fail("axis " + std::to_string(a) + " is out of bounds for an array of dimension "
           + std::to_string(ndim));
    if (std::find(out.begin(), out.end(), d) != out.end())
      fail("axis " + std::to_string(a) + " is given twice");
    out.push_back(d);
  }
  std::sort(out.begin(), out.end());
  return out;
}

} // namespace

array_ptr make_random(int distribution, std::uint64_t seed, double a, double b, dtype t,
                      const shape_t& shape, const chunk_spec& chunks) {
  if (distribution == 0 && !(b >= a))
    fail("random::uniform: high (" + std::to_string(b) + ") is below low (" + std::to_string(a) + ")");
  if (distribution == 1 && !(b >= 0))
    fail("random::normal: the standard deviation is negative");
  if (distribution == 2 && !(b > a))
    fail("random::integers: high must be above low");
  auto n = node_of(node_kind::random, t, shape, chunks.resolve(shape));
  n->distribution = distribution;
  n->seed = seed;
  n->a = a;
  n->b = b;
  return created(std::move(n));
}

array_ptr make_full(dtype t, scalar value, const shape_t& shape, const chunk_spec& chunks) {
  auto n = node_of(node_kind::full, t, shape, chunks.resolve(shape));
  n->value = value;
  return created(std::move(n));
}

array_ptr make_range(dtype t, double start, double step, std::int64_t count,
                     const chunk_spec& chunks, std::optional<double> last) {
  if (count < 0)
    fail("linspace: the number of values is negative");
  shape_t shape{count};
  auto n = node_of(node_kind::range, t, shape, chunks.resolve(shape));
  n->a = start;
  n->b = step;
  n->last = last;
  return created(std::move(n));
}

array_ptr make_from_function(dtype t, const task_entry& f, const shape_t& shape,
                             const chunk_spec& chunks) {
  auto n = node_of(node_kind::from_function, t, shape, chunks.resolve(shape));
  n->function = f.name;
  n->signature = f.signature;
  return created(std::move(n));
}

array_ptr make_from_data(dtype t, const void* data, const shape_t& shape,
                         const chunk_spec& chunks) {
  auto n = node_of(node_kind::from_data, t, shape, chunks.resolve(shape));
  auto bytes = static_cast<std::size_t>(shape_size(shape)) * itemsize(t);
  n->data = std::make_shared<const std::string>(static_cast<const char*>(data), bytes);
  return created(std::move(n));
}

array_ptr make_map_blocks(const task_entry& f, dtype out, const std::vector<array_ptr>& inputs,
                          const std::vector<int>& slots, std::vector<std::string> extras,
                          const std::optional<chunks_t>& out_chunks) {
  if (inputs.empty())
    fail("map_blocks needs an array");
  std::vector<array_ptr> ins{inputs[0]};
  for (std::size_t k = 1; k < inputs.size(); ++k) {
    if (inputs[k]->shape != inputs[0]->shape)
      fail("map_blocks: arrays of shapes " + show(inputs[0]->shape) + " and "
           + show(inputs[k]->shape) + " do not match");
    ins.push_back(aligned(inputs[k], chunk_spec{inputs[0]->chunks}));
  }
  chunks_t chunks = out_chunks ? *out_chunks : inputs[0]->chunks;
  if (blocks_per_axis(chunks) != blocks_per_axis(inputs[0]->chunks))
    fail("map_blocks: the result's chunks must have as many chunks per axis as the input's");
  shape_t shape;
  for (auto& c : chunks)
    shape.push_back(std::accumulate(c.begin(), c.end(), std::int64_t{0}));
  auto n = node_of(node_kind::map_blocks, out, shape, chunks);
  n->function = f.name;
  n->inputs = std::move(ins);
  n->slots = slots;
  n->extras = std::move(extras);
  return n;
}

namespace {

// Broadcast shape of the operands, or an error naming all their shapes.
shape_t broadcast_shape(const std::vector<array_ptr>& in) {
  std::size_t nd = 0;
  for (auto& a : in)
    if (a)
      nd = std::max(nd, a->shape.size());
  shape_t out(nd, 1);
  for (auto& a : in) {
    if (!a)
      continue;
    std::size_t lead = nd - a->shape.size();
    for (std::size_t d = 0; d < a->shape.size(); ++d) {
      auto& o = out[lead + d];
      auto v = a->shape[d];
      if (o == 1)
        o = v;
      else if (v != 1 && v != o) {
        std::string shapes;
        for (auto& x : in)
          if (x)
            shapes += (shapes.empty() ? "" : " and ") + show(x->shape);
        fail("operands could not be broadcast together with shapes " + shapes);
      }
    }
  }
  return out;
}

} // namespace

array_ptr elementwise_slots(ew_op op, dtype out, std::vector<array_ptr> in,
                            std::vector<std::optional<scalar>> scalars) {
  shape_t shape = broadcast_shape(in);
  const std::size_t nd = shape.size();
  // Output chunks along an axis come from the first operand that spans it;
  // other spanning operands are rechunked to match (Dask unifies chunks too).
  chunks_t chunks(nd);
  for (std::size_t d = 0; d < nd; ++d) {
    for (auto& a : in) {
      if (!a)
        continue;
      std::size_t lead = nd - a->shape.size();
      if (d >= lead && a->shape[d - lead] == shape[d]) {
        chunks[d] = a->chunks[d - lead];
        break;
      }
    }
    if (chunks[d].empty())
      chunks[d] = {shape[d]};
  }
  for (auto& a : in) {
    if (!a)
      continue;
    std::size_t lead = nd - a->shape.size();
    chunks_t want = a->chunks;
    for (std::size_t d = 0; d < a->shape.size(); ++d)
      if (a->shape[d] == shape[lead + d])
        want[d] = chunks[lead + d];
    if (want != a->chunks)
      a = aligned(a, chunk_spec{want});
  }
  auto n = node_of(node_kind::elementwise, out, shape, chunks);
  n->op = op;
  n->inputs = std::move(in);
  n->scalars = std::move(scalars);
  n->scalars.resize(n->inputs.size());
  return n;
}

array_ptr elementwise(ew_op op, dtype out, const std::vector<array_ptr>& inputs) {
  return elementwise_slots(op, out, inputs, {});
}

array_ptr elementwise_scalar(ew_op op, dtype out, const array_ptr& a, scalar s,
                             bool scalar_first) {
  if (scalar_first)
    return elementwise_slots(op, out, {nullptr, a}, {s, std::nullopt});
  return elementwise_slots(op, out, {a, nullptr}, {std::nullopt, s});
}

array_ptr where_scalars(const array_ptr& cond, const array_ptr& a, const array_ptr& b,
                        std::optional<scalar> sa, std::optional<scalar> sb, dtype out) {
  return elementwise_slots(ew_op::where, out, {cond, a, b}, {std::nullopt, sa, sb});
}

array_ptr transpose(const array_ptr& a, const std::vector<int>& order) {
  const std::size_t nd = a->shape.size();
  std::vector<int> perm = order;
  if (perm.empty())
    for (std::size_t d = nd; d-- > 0;)
      perm.push_back(static_cast<int>(d));
  std::vector<bool> seen(nd, false);
  if (perm.size() != nd)
    fail("transpose: the order has " + std::to_string(perm.size()) + " axes, the array "
         + std::to_string(nd));
  for (auto& p : perm) {
    if (p < 0)
      p += static_cast<int>(nd);
    if (p < 0 || p >= static_cast<int>(nd) || seen[static_cast<std::size_t>(p)])
      fail("transpose: the order is not a permutation of the axes");
    seen[static_cast<std::size_t>(p)] = true;
  }
  shape_t shape;
  chunks_t chunks;
  for (auto p : perm) {
    shape.push_back(a->shape[static_cast<std::size_t>(p)]);
    chunks.push_back(a->chunks[static_cast<std::size_t>(p)]);
  }
  bool identity = true;
  for (std::size_t d = 0; d < nd; ++d)
    identity = identity && perm[d] == static_cast<int>(d);
  if (identity)
    return a;
  auto n = node_of(node_kind::transpose, a->type, shape, chunks);
  n->inputs = {a};
  n->perm = perm;
  return n;
}

array_ptr rechunk(const array_ptr& a, const chunk_spec& spec) {
  auto r = aligned(a, spec);
  if (r != a)
    warn_about_chunks(*r);
  return r;
}

array_ptr reduce(const array_ptr& a, reduce_kind kind, const axes& ax, int ddof,
                 const reduce_options& options) {
  static const char* names[] = {"sum", "mean", "min", "max", "var", "std", "argmin", "argmax"};
  const char* name = names[static_cast<int>(kind)];
  auto list = normalise_axes(ax, a->shape.size());
  bool arg = kind == reduce_kind::argmin || kind == reduce_kind::argmax;
  if (arg && list.size() != 1 && list.size() != a->shape.size())
    fail(std::string{name} + " takes one axis or all of them");
  if (options.split_every == 1 || options.split_every < 0)
    fail("split_every must be 2 or more (or 0 for the default), not "
         + std::to_string(options.split_every));
  std::uint64_t mask = 0;
  bool empty = false;
  for (auto d : list) {
    mask |= std::uint64_t{1} << d;
    empty = empty || a->shape[static_cast<std::size_t>(d)] == 0;
  }
  if (a->shape.empty())
    empty = false;
  if (empty && kind != reduce_kind::sum && kind != reduce_kind::mean && kind != reduce_kind::var
      && kind != reduce_kind::std)
    fail(std::string{"zero-size array to reduction operation "} + name
         + " which has no identity");
  dtype out = a->type;
  switch (kind) {
  case reduce_kind::sum: out = sum_type(a->type); break;
  case reduce_kind::mean:
  case reduce_kind::var:
  case reduce_kind::std: out = math_type(a->type); break;
  case reduce_kind::argmin:
  case reduce_kind::argmax: out = dtype::int64; break;
  default: break;
  }
  shape_t shape;
  chunks_t chunks;
  for (std::size_t d = 0; d < a->shape.size(); ++d) {
    if ((mask >> d) & 1) {
      if (options.keepdims) {
        shape.push_back(1);
        chunks.push_back({1});
      }
    } else {
      shape.push_back(a->shape[d]);
      chunks.push_back(a->chunks[d]);
    }
  }
  auto n = node_of(node_kind::reduce, out, shape, chunks);
  n->inputs = {a};
  n->reduction = kind;
  n->axes_mask = mask;
  n->ddof = ddof;
  n->split_every = options.split_every ? options.split_every : 8;
  n->keepdims = options.keepdims;
  return n;
}

array_ptr cumsum(const array_ptr& a, int axis) {
  auto d = normalise_axes(axes{axis}, a->shape.size())[0];
  auto n = node_of(node_kind::cumsum, sum_type(a->type), a->shape, a->chunks);
  n->inputs = {a};
  n->axis = static_cast<int>(d);
  return n;
}

array_ptr matmul(const array_ptr& a, const array_ptr& b) {
  if (a->shape.size() != 2 || b->shape.size() != 2 || a->shape[1] != b->shape[0])
    fail("matmul: shapes " + show(a->shape) + " and " + show(b->shape)
         + " are not aligned (both 2-D, the first's columns equal to the second's rows)");
  auto bb = aligned(b, chunk_spec{chunks_t{a->chunks[1], b->chunks[1]}});
  auto n = node_of(node_kind::matmul, promote(a->type, b->type), {a->shape[0], b->shape[1]},
                   {a->chunks[0], b->chunks[1]});
  if (a->type == dtype::boolean && b->type == dtype::boolean)
    n->type = dtype::int64;
  n->inputs = {a, bb};
  return n;
}

array_ptr concatenate(const std::vector<array_ptr>& arrays, int axis) {
  if (arrays.empty())
    fail("concatenate needs at least one array");
  const auto& first = arrays[0];
  auto d = static_cast<std::size_t>(normalise_axes(axes{axis}, first->shape.size())[0]);
  auto n = node_of(node_kind::concatenate, first->type, first->shape, first->chunks);
  n->axis = static_cast<int>(d);
  n->shape[d] = 0;
  n->chunks[d].clear();
  for (auto& a : arrays) {
    shape_t s1 = a->shape, s0 = first->shape;
    if (s1.size() != s0.size() || a->type != first->type)
      fail("concatenate: shapes " + show(s0) + " and " + show(s1) + " differ in dimension");
    s1[d] = s0[d] = 0;
    if (s1 != s0)
      fail("concatenate: shapes " + show(first->shape) + " and " + show(a->shape)
           + " differ outside axis " + std::to_string(d));
    chunks_t want = first->chunks;
    want[d] = a->chunks[d];
    n->inputs.push_back(aligned(a, chunk_spec{want}));
    n->shape[d] += a->shape[d];
    for (auto c : a->chunks[d])
      n->chunks[d].push_back(c);
  }
  return n;
}

array_ptr stack(const std::vector<array_ptr>& arrays, int axis) {
  if (arrays.empty())
    fail("stack needs at least one array");
  const auto& first = arrays[0];
  auto nd = first->shape.size() + 1;
  std::int64_t d = axis < 0 ? axis + static_cast<std::int64_t>(nd) : axis;
  if (d < 0 || d >= static_cast<std::int64_t>(nd))
    fail("stack: axis " + std::to_string(axis) + " is out of bounds for the result's "
         + std::to_string(nd) + " dimensions");
  auto n = node_of(node_kind::stack_axis, first->type, first->shape, first->chunks);
  n->axis = static_cast<int>(d);
  n->shape.insert(n->shape.begin() + d, static_cast<std::int64_t>(arrays.size()));
  n->chunks.insert(n->chunks.begin() + d, std::vector<std::int64_t>(arrays.size(), 1));
  for (auto& a : arrays) {
    if (a->shape != first->shape || a->type != first->type)
      fail("stack: all arrays must have the same shape; " + show(first->shape) + " and "
           + show(a->shape) + " differ");
    n->inputs.push_back(aligned(a, chunk_spec{first->chunks}));
  }
  return n;
}

void describe(std::ostream& out, const array_ptr& n) {
  shape_t chunk = largest_chunk(n->chunks);
  std::int64_t parts = 1;
  for (auto& c : n->chunks)
    parts *= static_cast<std::int64_t>(c.size());
  double total = static_cast<double>(shape_size(n->shape)) * static_cast<double>(itemsize(n->type));
  double one = static_cast<double>(shape_size(chunk)) * static_cast<double>(itemsize(n->type));
  std::size_t tasks = count_tasks(n);
  auto row = [&](const std::string& name, const std::string& a, const std::string& c) {
    std::ostringstream line;
    line << "  " << name;
    for (std::size_t i = name.size(); i < 8; ++i)
      line << ' ';
    line << a;
    for (std::size_t i = a.size(); i < 24; ++i)
      line << ' ';
    line << c << "\n";
    out << line.str();
  };
  out << "troupe::array<" << dtype_name(n->type) << ", shape=" << show(n->shape)
      << ", chunksize=" << show(chunk) << ">\n";
  row("", "Array", "Chunk");
  row("Bytes", human_bytes(total), human_bytes(one));
  row("Shape", show(n->shape), show(chunk));
  row("Count", std::to_string(parts) + " chunks", std::to_string(tasks) + " tasks");
  row("Type", std::string{dtype_name(n->type)}, "");
}

} // namespace detail
} // namespace troupe
