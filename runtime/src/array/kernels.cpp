// The block-program interpreter: one register per instruction, each a chunk
// in memory, freed after its last reader; the output is written straight
// into the task's result bytes.
#include "array/kernels.hpp"

#include <algorithm>
#include <cmath>
#include <cstdlib>
#include <limits>
#include <memory>
#include <numbers>
#include <typeinfo>

#include "array/buffer_pool.hpp"
#include "array/convert.hpp"
#include "array/element_type.hpp"
#include "array/instruction.hpp"
#include "array/ops.hpp"
#include "array/random.hpp"
#include "array/strided.hpp"
#include "troupe/array/array.hpp"
#include "troupe/errors.hpp"
#include "troupe/task.hpp"

namespace troupe::internal::array {

using detail::ew_op;
using detail::reduce_kind;

namespace {

/// A register: one chunk in memory, owned, borrowed from a task argument,
/// or living in the task's output.
struct reg {
  dtype type = dtype::float64;
  shape_t shape;
  const char* data = nullptr;
  std::shared_ptr<char> owned;

  std::int64_t count() const { return detail::shape_size(shape); }
  std::size_t nbytes() const { return static_cast<std::size_t>(count()) * itemsize(type); }
  template <class S>
  const S* as() const { return reinterpret_cast<const S*>(data); }
};

std::shared_ptr<char> aligned_bytes(std::size_t n) { return chunk_buffer(n); }


template <class S, class V>
S store_as(V v) {
  return convert<S>(v);
}

// The largest S below `high` (and not below `low`): where rounding to S
// would carry a uniform value up to `high`.
template <class S>
S largest_below(double high, double low) {
  S top = static_cast<S>(high);
  while (static_cast<double>(top) >= high)
    top = std::nextafter(top, -std::numeric_limits<S>::infinity());
  return std::max(top, static_cast<S>(low));
}

class machine {
public:
  machine(const msgpack::object& args, std::string& out) : args_(args), out_(out) {}

  void run() {
    if (args_.type != msgpack::type::ARRAY || args_.via.array.size < 1
        || (args_.via.array.ptr[0].type != msgpack::type::BIN))
      throw decode_error("troupe: array task: the first argument is not a block program");
    const auto& p = args_.via.array.ptr[0].via.bin;
    std::uint32_t output = 0;
    auto program = decode_program({p.ptr, p.size}, output);
    output_ = output;
    // Free each register after its last reader: a fused program holds
    // only the chunks it still needs.
    std::vector<std::size_t> last_use(program.size(), 0);
    for (std::size_t k = 0; k < program.size(); ++k)
      for (auto r : program[k].regs)
        last_use[r] = k;
    last_use[output] = program.size();
    regs_.resize(program.size());
    for (std::size_t k = 0; k < program.size(); ++k) {
      current_ = k;
      regs_[k] = execute(program[k]);
      for (auto r : program[k].regs)
        if (last_use[r] == k)
          regs_[r] = reg{};
      if (last_use[k] == k && k != output)
        regs_[k] = reg{};
    }
    const reg& result = regs_[output];
    if (!in_output_) {
      std::size_t at = append_block(out_, result.type, result.shape);
      if (result.nbytes())
        std::memcpy(out_.data() + at, result.data, result.nbytes());
    }
  }

private:
  /// Storage for the result of the current instruction; the program's
  /// output is written straight into the task's result bytes.
  char* allocate(reg& r) {
    if (current_ == output_) {
      std::size_t at = append_block(out_, r.type, r.shape);
      in_output_ = true;
      r.data = out_.data() + at;
      return out_.data() + at;
    }
    r.owned = aligned_bytes(r.nbytes());
    r.data = r.owned.get();
    return r.owned.get();
  }

  const msgpack::object& argument(std::uint32_t k) const {
    if (k + 1 >= args_.via.array.size)
      throw decode_error("troupe: array task: an instruction reads a missing argument");
    return args_.via.array.ptr[k + 1];
  }

  /// A chunk argument, read in place when aligned (the usual case).
  reg borrow(const char* data, std::size_t nbytes, dtype t, shape_t shape) {
    reg r;
    r.type = t;
    r.shape = std::move(shape);
    if (reinterpret_cast<std::uintptr_t>(data) % 8 == 0) {
      r.data = data;
    } else {
      r.owned = aligned_bytes(nbytes);
      if (nbytes)
        std::memcpy(r.owned.get(), data, nbytes);
      r.data = r.owned.get();
    }
    return r;
  }

  reg execute(const instruction& in) {
    switch (in.op) {
    case opcode::input: {
      auto v = detail::read_block(argument(in.arg));
      return borrow(v.data, v.nbytes, v.type, std::move(v.shape));
    }
    case opcode::constant: {
      const auto& o = argument(in.arg);
      if (o.type != msgpack::type::BIN)
        throw decode_error("troupe: array task: constant data is not binary");
      reg r = borrow(o.via.bin.ptr, o.via.bin.size, in.type, in.shape);
      if (r.nbytes() != o.via.bin.size)
        throw decode_error("troupe: array task: constant data does not fill its shape");
      return r;
    }
    case opcode::random: return random(in);
    case opcode::full: return full(in);
    case opcode::range: return range(in);
    case opcode::from_function: return from_function(in);
    case opcode::elementwise: return elementwise(in);
    case opcode::broadcast: return broadcast(in);
    case opcode::transpose: return transpose(in);
    case opcode::slice: return slice(in);
    case opcode::reshape: return reshape(in);
    case opcode::assemble: return assemble(in);
    case opcode::reduce: return reduce(in);
    case opcode::combine: return combine(in);
    case opcode::finalize: return finalize(in);
    case opcode::matmul: return matmul(in);
    case opcode::cumsum: return cumsum(in);
    }
    throw decode_error("troupe: array task: unknown instruction");
  }

  reg fresh(dtype t, shape_t shape) {
    reg r;
    r.type = t;
    r.shape = std::move(shape);
    allocate(r);
    return r;
  }
  template <class S>
  static S* mut(reg& r) {
    return reinterpret_cast<S*>(const_cast<char*>(r.data));
  }

  reg random(const instruction& in) {
    reg r = fresh(in.type, in.shape);
    chunk_rng rng{in.seed, in.stream};
    const std::int64_t n = r.count();
    constexpr std::int64_t block = 4096;  // even: normal values come in pairs
    std::vector<double> u(block);
    with_type(in.type, [&](auto s) {
      using S = decltype(s);
      S* o = mut<S>(r);
      const double span = in.b - in.a;
      for (std::int64_t base = 0; base < n; base += block) {
        const std::int64_t len = std::min(block, n - base);
        if (in.small == 0 && std::is_same_v<S, double> && in.a == 0 && in.b == 1) {
          rng.uniform(reinterpret_cast<double*>(o) + base, len);  // straight into the chunk
          continue;
        }
        rng.uniform(u.data(), len + (len & 1));
        if (in.small == 0) {  // uniform [a, b)
          if constexpr (std::is_floating_point_v<S>) {
            // a + span * u is below b, but rounding it to S may give b itself
            // (float32 on [1000, 1001): one value in 30000): keep [a, b) open.
            const S top = largest_below<S>(in.b, in.a);
            for (std::int64_t k = 0; k < len; ++k)
              o[base + k] = std::min(top, store_as<S>(in.a + span * u[static_cast<std::size_t>(k)]));
          } else {
            for (std::int64_t k = 0; k < len; ++k)
              o[base + k] = store_as<S>(in.a + span * u[static_cast<std::size_t>(k)]);
          }
        } else if (in.small == 1) {  // normal, Box-Muller: a pair of values per pair of draws
          for (std::int64_t k = 0; k < len; k += 2) {
            double rad = std::sqrt(-2.0 * std::log(1.0 - u[static_cast<std::size_t>(k)]));
            double ang = 2.0 * std::numbers::pi * u[static_cast<std::size_t>(k) + 1];
            o[base + k] = store_as<S>(in.a + in.b * rad * std::cos(ang));
            if (k + 1 < len)
              o[base + k + 1] = store_as<S>(in.a + in.b * rad * std::sin(ang));
          }
        } else {  // integers [a, b)
          for (std::int64_t k = 0; k < len; ++k)
            o[base + k] = store_as<S>(in.a + std::floor(span * u[static_cast<std::size_t>(k)]));
        }
      }
    });
    return r;
  }

  reg full(const instruction& in) {
    reg r = fresh(in.type, in.shape);
    const std::int64_t n = r.count();
    with_type(in.type, [&](auto s) {
      using S = decltype(s);
      S v = detail::is_floating(in.type) ? store_as<S>(in.a) : store_as<S>(in.i);
      std::fill(mut<S>(r), mut<S>(r) + n, v);
    });
    return r;
  }

  reg range(const instruction& in) {
    reg r = fresh(in.type, in.shape);
    const std::int64_t n = r.count();
    with_type(in.type, [&](auto s) {
      using S = decltype(s);
      S* o = mut<S>(r);
      for (std::int64_t k = 0; k < n; ++k)
        o[k] = store_as<S>(in.a + in.b * static_cast<double>(in.i + k));
      // linspace ends exactly at stop, as NumPy's does.
      if (in.exact_at >= in.i && in.exact_at < in.i + n)
        o[in.exact_at - in.i] = store_as<S>(in.exact);
    });
    return r;
  }

  reg from_function(const instruction& in) {
    const auto* entry = detail::find_task(in.name);
    if (!entry)
      throw troupe::error("troupe: from_function: no task function named '"
                                 + std::string{in.name} + "' on this worker");
    // The function is called through a pointer of the element type's
    // signature: only a task registered with exactly that signature will do.
    const char* expected = with_type(in.type, [](auto s) {
      using S = decltype(s);
      using T = std::conditional_t<std::is_same_v<S, std::uint8_t>, bool, S>;
      return typeid(T (*)(std::vector<std::int64_t>)).name();
    });
    if (entry->library || std::string_view{entry->signature} != expected
        || in.signature != expected)
      throw troupe::error("troupe: from_function: task '" + std::string{in.name}
                          + "' on this worker is not a function of the element's index "
                            "returning the array's type, compiled into the worker's program");
    const std::size_t nd = in.shape.size();
    if (in.v1.size() != nd)
      throw decode_error("troupe: array task: from_function offsets do not match the chunk");
    reg r = fresh(in.type, in.shape);
    std::vector<std::int64_t> index(in.v1.begin(), in.v1.end());
    index.resize(nd, 0);
    const std::int64_t n = r.count();
    with_type(in.type, [&](auto s) {
      using S = decltype(s);
      using T = std::conditional_t<std::is_same_v<S, std::uint8_t>, bool, S>;
      auto f = reinterpret_cast<T (*)(std::vector<std::int64_t>)>(const_cast<void*>(entry->address));
      S* o = mut<S>(r);
      std::vector<std::int64_t> local(nd, 0);
      for (std::int64_t k = 0; k < n; ++k) {
        for (std::size_t d = 0; d < nd; ++d)
          index[d] = in.v1[d] + local[d];
        o[k] = store_as<S>(f(index));
        for (std::size_t d = nd; d-- > 0;) {
          if (++local[d] < in.shape[d])
            break;
          local[d] = 0;
        }
      }
    });
    return r;
  }

  reg elementwise(const instruction& in) {
    std::vector<const reg*> inputs;
    for (auto k : in.regs) {
      inputs.push_back(&regs_[k]);
      if (regs_[k].shape != in.shape)
        throw decode_error("troupe: array task: element-wise inputs differ in shape");
    }
    reg r = fresh(in.type, in.shape);
    std::vector<operand> ops;
    for (auto* p : inputs)
      ops.push_back({p->type, p->data});
    evaluate_expression(in.code, ops, in.small != 0, r.type, const_cast<char*>(r.data), r.count());
    return r;
  }

  reg broadcast(const instruction& in) {
    const reg& src = regs_[in.regs[0]];
    reg r = fresh(src.type, in.shape);
    const std::size_t nd = in.shape.size();
    if (src.shape.size() > nd)
      throw decode_error("troupe: array task: cannot broadcast to fewer dimensions");
    auto sstr = c_strides(src.shape);
    std::vector<std::int64_t> strides(nd, 0);
    std::size_t lead = nd - src.shape.size();
    for (std::size_t d = lead; d < nd; ++d) {
      auto sd = src.shape[d - lead];
      if (sd != in.shape[d] && sd != 1)
        throw decode_error("troupe: array task: shapes do not broadcast");
      strides[d] = sd == 1 ? 0 : sstr[d - lead];
    }
    copy_strided(itemsize(r.type), const_cast<char*>(r.data), c_strides(in.shape), src.data,
                 strides, in.shape);
    return r;
  }

  reg transpose(const instruction& in) {
    const reg& src = regs_[in.regs[0]];
    const std::size_t nd = src.shape.size();
    if (in.v1.size() != nd)
      throw decode_error("troupe: array task: transpose order does not match the chunk");
    shape_t shape(nd);
    std::vector<std::int64_t> strides(nd);
    auto sstr = c_strides(src.shape);
    std::vector<bool> seen(nd, false);
    for (std::size_t d = 0; d < nd; ++d) {
      auto p = static_cast<std::size_t>(in.v1[d]);
      if (p >= nd || seen[p])
        throw decode_error("troupe: array task: bad transpose order");
      seen[p] = true;
      shape[d] = src.shape[p];
      strides[d] = sstr[p];
    }
    reg r = fresh(src.type, shape);
    copy_strided(itemsize(r.type), const_cast<char*>(r.data), c_strides(shape), src.data, strides,
                 shape);
    return r;
  }

  reg slice(const instruction& in) {
    const reg& src = regs_[in.regs[0]];
    const std::size_t nd = src.shape.size();
    if (in.v1.size() != 3 * nd)
      throw decode_error("troupe: array task: slice does not match the chunk");
    shape_t shape(nd);
    std::vector<std::int64_t> strides(nd);
    auto sstr = c_strides(src.shape);
    std::int64_t offset = 0;
    for (std::size_t d = 0; d < nd; ++d) {
      auto start = in.v1[3 * d], step = in.v1[3 * d + 1], count = in.v1[3 * d + 2];
      const auto len = src.shape[d];
      // Bounded first, so that the last index cannot overflow. The step
      // only when it is taken: a piece of one element may have any step
      // (x[::50] in chunks of 10 takes one element from some chunks).
      if (count < 0 || count > len || step == 0 || (count > 1 && (step > len || step < -len)))
        throw decode_error("troupe: array task: slice outside the chunk");
      auto last = count > 1 ? start + step * (count - 1) : start;
      if (count > 0 && (start < 0 || start >= len || last < 0 || last >= len))
        throw decode_error("troupe: array task: slice outside the chunk");
      shape[d] = count;
      strides[d] = sstr[d] * step;
      offset += count > 0 ? start * sstr[d] : 0;
    }
    reg r = fresh(src.type, shape);
    auto elem = itemsize(r.type);
    copy_strided(elem, const_cast<char*>(r.data), c_strides(shape),
                 src.data + offset * static_cast<std::int64_t>(elem), strides, shape);
    return r;
  }

  reg reshape(const instruction& in) {
    const reg& src = regs_[in.regs[0]];
    if (detail::shape_size(in.shape) != src.count())
      throw decode_error("troupe: array task: reshape changes the number of elements");
    if (current_ == output_) {
      reg r = fresh(src.type, in.shape);
      if (r.nbytes())
        std::memcpy(const_cast<char*>(r.data), src.data, r.nbytes());
      return r;
    }
    reg r = src;  // shares the bytes
    r.shape = in.shape;
    return r;
  }

  reg assemble(const instruction& in) {
    const std::size_t nd = in.shape.size();
    reg r = fresh(in.type, in.shape);
    auto dstr = c_strides(in.shape);
    auto elem = itemsize(in.type);
    for (std::size_t k = 0; k < in.regs.size(); ++k) {
      const reg& src = regs_[in.regs[k]];
      if (src.type != in.type || src.shape.size() != nd)
        throw decode_error("troupe: array task: a piece does not match the chunk");
      const std::int64_t* v = in.v1.data() + 3 * nd * k;
      std::vector<std::int64_t> extent(v + 2 * nd, v + 3 * nd);
      std::int64_t soff = 0, doff = 0;
      auto sstr = c_strides(src.shape);
      for (std::size_t d = 0; d < nd; ++d) {
        if (extent[d] < 0 || extent[d] > src.shape[d] || extent[d] > in.shape[d] || v[d] < 0
            || v[d] > src.shape[d] - extent[d] || v[nd + d] < 0
            || v[nd + d] > in.shape[d] - extent[d])
          throw decode_error("troupe: array task: a piece lies outside its chunk");
        soff += v[d] * sstr[d];
        doff += v[nd + d] * dstr[d];
      }
      copy_strided(elem, const_cast<char*>(r.data) + doff * static_cast<std::int64_t>(elem), dstr,
                   src.data + soff * static_cast<std::int64_t>(elem), sstr, extent);
    }
    return r;
  }

  reg reduce(const instruction& in) {
    const reg& src = regs_[in.regs[0]];
    if (in.small > static_cast<std::uint8_t>(reduce_kind::argmax) || in.v1.size() != src.shape.size()
        || in.v2.size() != src.shape.size())
      throw decode_error("troupe: array task: malformed reduction");
    auto kind = static_cast<reduce_kind>(in.small);
    // The axis mask names axes of the chunk; argmin/argmax reduce one axis
    // or all of them (a mask of 0 would index offsets[-1]; found by fuzzing).
    const std::size_t nd = src.shape.size();
    const std::uint64_t mask = in.seed;
    const std::uint64_t all = nd >= 64 ? ~0ull : (1ull << nd) - 1;
    if ((mask & ~all) != 0)
      throw decode_error("troupe: array task: a reduction names an axis the chunk does not have");
    if ((kind == reduce_kind::argmin || kind == reduce_kind::argmax)
        && mask != all && (mask == 0 || (mask & (mask - 1)) != 0))
      throw decode_error("troupe: array task: argmin/argmax reduce one axis or all of them");
    partial_layout lay = partial_of(kind, src.type, src.shape, in.seed);
    reg r = fresh(lay.type, lay.shape);
    reduce_chunk(kind, src.type, src.data, src.shape, in.seed, in.v1, in.v2,
                 const_cast<char*>(r.data));
    return r;
  }

  reg combine(const instruction& in) {
    if (in.regs.empty() || in.small > static_cast<std::uint8_t>(reduce_kind::argmax))
      throw decode_error("troupe: array task: malformed combine");
    const reg& first = regs_[in.regs[0]];
    if (first.shape.empty() || first.shape[0] != partial_fields(static_cast<reduce_kind>(in.small))
        || first.type != (first.type == dtype::int64 ? dtype::int64 : dtype::float64))
      throw decode_error("troupe: array task: combine of something not a partial result");
    reg r = fresh(first.type, first.shape);
    std::vector<const char*> parts;
    for (auto k : in.regs) {
      if (regs_[k].shape != first.shape || regs_[k].type != first.type)
        throw decode_error("troupe: array task: partial results differ in shape");
      parts.push_back(regs_[k].data);
    }
    combine_partials(static_cast<reduce_kind>(in.small), first.type, first.shape, parts,
                     const_cast<char*>(r.data));
    return r;
  }

  reg finalize(const instruction& in) {
    const reg& src = regs_[in.regs[0]];
    reg r = fresh(in.type, in.shape);
    if (src.shape.empty() || in.small > static_cast<std::uint8_t>(reduce_kind::argmax)
        || src.shape[0] != partial_fields(static_cast<reduce_kind>(in.small))
        || (src.type != dtype::int64 && src.type != dtype::float64)
        || detail::shape_size(in.shape) * src.shape[0] != src.count())
      throw decode_error("troupe: array task: final shape does not match the partial result");
    finalize_partial(static_cast<reduce_kind>(in.small), src.type, src.data, src.shape,
                     in.ddof, in.type, const_cast<char*>(r.data));
    return r;
  }

  reg matmul(const instruction& in) {
    std::vector<std::pair<const reg*, const reg*>> pairs;
    std::int64_t m = -1, n = -1;
    for (std::size_t k = 0; k + 1 < in.regs.size(); k += 2) {
      const reg& a = regs_[in.regs[k]];
      const reg& b = regs_[in.regs[k + 1]];
      if (a.shape.size() != 2 || b.shape.size() != 2 || a.shape[1] != b.shape[0]
          || (m >= 0 && (a.shape[0] != m || b.shape[1] != n)))
        throw decode_error("troupe: array task: matmul chunks do not fit");
      m = a.shape[0];
      n = b.shape[1];
      pairs.emplace_back(&a, &b);
    }
    if (pairs.empty())
      throw decode_error("troupe: array task: matmul of nothing");
    reg r = fresh(in.type, {m, n});
    std::vector<double> acc(static_cast<std::size_t>(m * n), 0.0);
    std::vector<double> arow, bmat;
    for (auto [a, b] : pairs) {
      std::int64_t kk = a->shape[1];
      auto as_double = [](const reg& x, std::vector<double>& v) {
        v.resize(static_cast<std::size_t>(x.count()));
        with_type(x.type, [&](auto s) {
          using S = decltype(s);
          for (std::size_t i = 0; i < v.size(); ++i)
            v[i] = static_cast<double>(x.as<S>()[i]);
        });
      };
      as_double(*a, arow);
      as_double(*b, bmat);
      for (std::int64_t i = 0; i < m; ++i)
        for (std::int64_t k = 0; k < kk; ++k) {
          double av = arow[static_cast<std::size_t>(i * kk + k)];
          const double* brow = bmat.data() + k * n;
          double* out = acc.data() + i * n;
          for (std::int64_t j = 0; j < n; ++j)
            out[j] += av * brow[j];
        }
    }
    with_type(in.type, [&](auto s) {
      using S = decltype(s);
      for (std::size_t i = 0; i < acc.size(); ++i)
        mut<S>(r)[i] = store_as<S>(acc[i]);
    });
    return r;
  }

  reg cumsum(const instruction& in) {
    const reg& src = regs_[in.regs[0]];
    const std::size_t axis = in.small;
    if (axis >= src.shape.size())
      throw decode_error("troupe: array task: cumsum axis outside the chunk");
    std::int64_t outer = 1, inner = 1, len = src.shape[axis];
    for (std::size_t d = 0; d < axis; ++d)
      outer *= src.shape[d];
    for (std::size_t d = axis + 1; d < src.shape.size(); ++d)
      inner *= src.shape[d];
    reg r = fresh(in.type, src.shape);
    auto run = [&](auto acc_zero) {
      using A = decltype(acc_zero);
      std::vector<A> carry(static_cast<std::size_t>(outer * inner), A{0});
      for (std::size_t k = 1; k < in.regs.size(); ++k) {
        const reg& c = regs_[in.regs[k]];
        if (c.count() != outer * inner)
          throw decode_error("troupe: array task: cumsum carry does not fit");
        with_type(c.type, [&](auto s) {
          using S = decltype(s);
          for (std::size_t i = 0; i < carry.size(); ++i) {
            if constexpr (std::is_integral_v<A>)
              carry[i] = static_cast<A>(static_cast<std::uint64_t>(carry[i])
                                        + static_cast<std::uint64_t>(convert<A>(c.as<S>()[i])));
            else
              carry[i] += static_cast<A>(c.as<S>()[i]);
          }
        });
      }
      with_type(src.type, [&](auto s) {
        using S = decltype(s);
        with_type(in.type, [&](auto o) {
          using O = decltype(o);
          const S* x = src.as<S>();
          O* y = mut<O>(r);
          for (std::int64_t a = 0; a < outer; ++a) {
            A* run_sum = carry.data() + a * inner;
            for (std::int64_t l = 0; l < len; ++l) {
              std::int64_t base = (a * len + l) * inner;
              for (std::int64_t i = 0; i < inner; ++i) {
                if constexpr (std::is_integral_v<A>)  // wraps, as NumPy's int64
                  run_sum[i] = static_cast<A>(static_cast<std::uint64_t>(run_sum[i])
                                              + static_cast<std::uint64_t>(convert<A>(x[base + i])));
                else
                  run_sum[i] += static_cast<A>(x[base + i]);
                y[base + i] = store_as<O>(run_sum[i]);
              }
            }
          }
        });
      });
    };
    if (detail::is_floating(in.type))
      run(0.0);
    else
      run(std::int64_t{0});
    return r;
  }

  const msgpack::object& args_;
  std::string& out_;
  std::vector<reg> regs_;
  std::size_t current_ = 0;
  std::size_t output_ = 0;
  bool in_output_ = false;
};

} // namespace

void run_block_program(const msgpack::object& args, std::string& out) {
  machine{args, out}.run();
}

} // namespace troupe::internal::array
