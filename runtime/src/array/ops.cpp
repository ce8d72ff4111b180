#include "array/ops.hpp"

#include <algorithm>
#include <cmath>
#include <cstring>
#include <limits>

#include "array/convert.hpp"
#include "array/element_type.hpp"
#include "array/program.hpp"
#include "troupe/errors.hpp"

namespace troupe::internal::array {

using detail::ew_op;
using detail::reduce_kind;

namespace {


constexpr std::int64_t tile = 1024;

struct step {
  expr_code code;
  ew_op op;
  std::uint16_t operand;
  double f;
  std::int64_t i;
};

std::vector<step> parse(std::string_view code, std::size_t operands, std::size_t& depth) {
  reader r{code.data(), code.size()};
  std::vector<step> steps;
  std::size_t sp = 0;
  depth = 0;
  while (!r.done()) {
    step s{};
    s.code = r.get<expr_code>();
    switch (s.code) {
    case expr_code::load:
      s.operand = r.get<std::uint16_t>();
      if (s.operand >= operands)
        throw decode_error("troupe: array task: expression reads a missing operand");
      ++sp;
      break;
    case expr_code::constant:
      s.f = r.get<double>();
      s.i = r.get<std::int64_t>();
      ++sp;
      break;
    case expr_code::unary:
      s.op = r.get<ew_op>();
      if (sp < 1)
        throw decode_error("troupe: array task: malformed expression");
      break;
    case expr_code::binary:
      s.op = r.get<ew_op>();
      if (sp < 2)
        throw decode_error("troupe: array task: malformed expression");
      --sp;
      break;
    case expr_code::where:
      if (sp < 3)
        throw decode_error("troupe: array task: malformed expression");
      sp -= 2;
      break;
    default:
      throw decode_error("troupe: array task: unknown expression code");
    }
    depth = std::max(depth, sp);
    steps.push_back(s);
  }
  if (sp != 1)
    throw decode_error("troupe: array task: malformed expression");
  return steps;
}

// Three-operand loops (d = op(a, b)) over a tile: operands are read where
// they lie (an input chunk or an earlier result), so a * b + c reads each
// input once and writes each tile once. d may be a itself (an earlier
// result being updated, element by element), never b; ops.cpp is built
// with -O3 so that these loops are vectorised.
// Integer arithmetic wraps around, as NumPy's int64 does (signed overflow
// would be undefined behaviour in C++).
template <class V>
V plus(V a, V b) {
  if constexpr (std::is_integral_v<V>)
    return static_cast<V>(static_cast<std::uint64_t>(a) + static_cast<std::uint64_t>(b));
  else
    return a + b;
}
template <class V>
V minus(V a, V b) {
  if constexpr (std::is_integral_v<V>)
    return static_cast<V>(static_cast<std::uint64_t>(a) - static_cast<std::uint64_t>(b));
  else
    return a - b;
}
template <class V>
V times(V a, V b) {
  if constexpr (std::is_integral_v<V>)
    return static_cast<V>(static_cast<std::uint64_t>(a) * static_cast<std::uint64_t>(b));
  else
    return a * b;
}

template <class V>
void unary(ew_op op, V* d, const V* a, std::int64_t n) {
  switch (op) {
  case ew_op::neg: for (std::int64_t k = 0; k < n; ++k) d[k] = minus<V>(0, a[k]); break;
  case ew_op::abs: for (std::int64_t k = 0; k < n; ++k) d[k] = a[k] < 0 ? minus<V>(0, a[k]) : a[k]; break;
  case ew_op::logical_not: for (std::int64_t k = 0; k < n; ++k) d[k] = a[k] == V{0}; break;
  case ew_op::cast: for (std::int64_t k = 0; k < n; ++k) d[k] = a[k]; break;
  case ew_op::sqrt: for (std::int64_t k = 0; k < n; ++k) d[k] = static_cast<V>(std::sqrt(a[k])); break;
  case ew_op::exp: for (std::int64_t k = 0; k < n; ++k) d[k] = static_cast<V>(std::exp(a[k])); break;
  case ew_op::log: for (std::int64_t k = 0; k < n; ++k) d[k] = static_cast<V>(std::log(a[k])); break;
  case ew_op::sin: for (std::int64_t k = 0; k < n; ++k) d[k] = static_cast<V>(std::sin(a[k])); break;
  case ew_op::cos: for (std::int64_t k = 0; k < n; ++k) d[k] = static_cast<V>(std::cos(a[k])); break;
  default: throw decode_error("troupe: array task: not a unary operation");
  }
}

template <class V>
V int_pow(V base, V e) {
  if constexpr (std::is_integral_v<V>) {
    if (e < 0)
      return base == 1 ? 1 : base == -1 ? (e % 2 ? -1 : 1) : 0;
    V result = 1;
    while (e) {
      if (e & 1)
        result = times(result, base);
      base = times(base, base);
      e >>= 1;
    }
    return result;
  } else {
    return std::pow(base, e);
  }
}

// One loop per operation; A and B are pointers (stride 1) or, for a
// constant operand, a value wrapper (stride 0), so `x * 2` needs no tile of 2s.
template <class V>
struct constant_of {
  V v;
  V operator[](std::int64_t) const { return v; }
};

template <class V, class A, class B>
void binary_loop(ew_op op, V* d, const A& a, const B& b, std::int64_t n) {
  switch (op) {
  case ew_op::add: for (std::int64_t k = 0; k < n; ++k) d[k] = plus<V>(a[k], b[k]); break;
  case ew_op::sub: for (std::int64_t k = 0; k < n; ++k) d[k] = minus<V>(a[k], b[k]); break;
  case ew_op::mul: for (std::int64_t k = 0; k < n; ++k) d[k] = times<V>(a[k], b[k]); break;
  case ew_op::div:
    if constexpr (std::is_integral_v<V>)
      throw decode_error("troupe: array task: integer division in an integer expression");
    else
      for (std::int64_t k = 0; k < n; ++k) d[k] = a[k] / b[k];
    break;
  case ew_op::pow: for (std::int64_t k = 0; k < n; ++k) d[k] = int_pow<V>(a[k], b[k]); break;
  case ew_op::maximum: for (std::int64_t k = 0; k < n; ++k) d[k] = a[k] < b[k] ? b[k] : a[k]; break;
  case ew_op::minimum: for (std::int64_t k = 0; k < n; ++k) d[k] = b[k] < a[k] ? b[k] : a[k]; break;
  case ew_op::eq: for (std::int64_t k = 0; k < n; ++k) d[k] = a[k] == b[k]; break;
  case ew_op::ne: for (std::int64_t k = 0; k < n; ++k) d[k] = a[k] != b[k]; break;
  case ew_op::lt: for (std::int64_t k = 0; k < n; ++k) d[k] = a[k] < b[k]; break;
  case ew_op::le: for (std::int64_t k = 0; k < n; ++k) d[k] = a[k] <= b[k]; break;
  case ew_op::gt: for (std::int64_t k = 0; k < n; ++k) d[k] = a[k] > b[k]; break;
  case ew_op::ge: for (std::int64_t k = 0; k < n; ++k) d[k] = a[k] >= b[k]; break;
  case ew_op::logical_and: for (std::int64_t k = 0; k < n; ++k) d[k] = (a[k] != 0) && (b[k] != 0); break;
  case ew_op::logical_or: for (std::int64_t k = 0; k < n; ++k) d[k] = (a[k] != 0) || (b[k] != 0); break;
  default: throw decode_error("troupe: array task: not a binary operation");
  }
}

/// A value on the evaluation stack: a tile somewhere, or a constant.
template <class V>
struct slot {
  const V* p = nullptr;
  bool is_constant = false;
  V value{};
};

template <class V>
void binary(ew_op op, V* d, const slot<V>& a, const slot<V>& b, std::int64_t n) {
  if (a.is_constant && b.is_constant) {
    V x = a.value;
    binary_loop<V>(op, &x, constant_of<V>{a.value}, constant_of<V>{b.value}, 1);
    std::fill(d, d + n, x);
  } else if (a.is_constant) {
    binary_loop<V>(op, d, constant_of<V>{a.value}, b.p, n);
  } else if (b.is_constant) {
    binary_loop<V>(op, d, a.p, constant_of<V>{b.value}, n);
  } else {
    binary_loop<V>(op, d, a.p, b.p, n);
  }
}

template <class V>
void run(const std::vector<step>& steps, std::size_t depth, const std::vector<operand>& operands,
         dtype out_type, char* out, std::int64_t n) {
  // One scratch tile per stack level; level 0 writes straight into the
  // output when it has the evaluation type.
  std::vector<V> scratch(depth * tile);
  std::vector<slot<V>> stack(depth);
  const bool direct = dtype_of<V>() == out_type;
  for (std::int64_t base = 0; base < n; base += tile) {
    const std::int64_t len = std::min(tile, n - base);
    auto own = [&](std::size_t level) {
      return direct && level == 0 ? reinterpret_cast<V*>(out) + base
                                  : scratch.data() + level * tile;
    };
    std::size_t sp = 0;
    for (const auto& s : steps) {
      switch (s.code) {
      case expr_code::load: {
        const auto& o = operands[s.operand];
        slot<V>& top = stack[sp];
        top.is_constant = false;
        if (o.type == dtype_of<V>()) {
          top.p = reinterpret_cast<const V*>(o.data) + base;  // read in place
        } else {
          V* dst = own(sp);
          with_type(o.type, [&](auto t) {
            using S = decltype(t);
            const S* src = reinterpret_cast<const S*>(o.data) + base;
            for (std::int64_t k = 0; k < len; ++k)
              dst[k] = convert<V>(src[k]);
          });
          top.p = dst;
        }
        ++sp;
        break;
      }
      case expr_code::constant: {
        slot<V>& top = stack[sp++];
        top.is_constant = true;
        top.value = std::is_integral_v<V> ? static_cast<V>(s.i) : static_cast<V>(s.f);
        break;
      }
      case expr_code::unary: {
        slot<V>& top = stack[sp - 1];
        V* dst = own(sp - 1);
        if (top.is_constant) {
          V x = top.value;
          unary<V>(s.op, &x, &top.value, 1);
          top.value = x;
        } else {
          unary<V>(s.op, dst, top.p, len);
          top.p = dst;
        }
        break;
      }
      case expr_code::binary: {
        V* dst = own(sp - 2);
        // dst is the left operand's level: the right one (a level above, an
        // input, or a constant) never lives there.
        binary<V>(s.op, dst, stack[sp - 2], stack[sp - 1], len);
        stack[sp - 2].is_constant = false;
        stack[sp - 2].p = dst;
        --sp;
        break;
      }
      case expr_code::where: {
        V* dst = own(sp - 3);
        const slot<V>& c = stack[sp - 3];
        const slot<V>& a = stack[sp - 2];
        const slot<V>& b = stack[sp - 1];
        for (std::int64_t k = 0; k < len; ++k) {
          V cv = c.is_constant ? c.value : c.p[k];
          dst[k] = cv != V{0} ? (a.is_constant ? a.value : a.p[k]) : (b.is_constant ? b.value : b.p[k]);
        }
        stack[sp - 3].is_constant = false;
        stack[sp - 3].p = dst;
        sp -= 2;
        break;
      }
      }
    }
    const slot<V>& result = stack[0];
    if (direct && !result.is_constant && result.p == reinterpret_cast<V*>(out) + base)
      continue;  // already written in place
    with_type(out_type, [&](auto t) {
      using S = decltype(t);
      S* dst = reinterpret_cast<S*>(out) + base;
      for (std::int64_t k = 0; k < len; ++k) {
        V v = result.is_constant ? result.value : result.p[k];
        if constexpr (std::is_same_v<S, std::uint8_t>)
          dst[k] = v != V{0};
        else
          dst[k] = convert<S>(v);
      }
    });
  }
}

// Visits a chunk row by row (the last axis is contiguous): f(out_index of
// the row's first element, row pointer, row length, multi-index of the row).
// With the last axis reduced, the whole row goes to one output element.
template <class S, class F>
void for_each_row(const S* data, const shape_t& shape, std::uint64_t mask, F&& f) {
  const std::size_t nd = shape.size();
  if (nd == 0) {
    std::vector<std::int64_t> idx;
    f(std::int64_t{0}, data, std::int64_t{1}, idx);
    return;
  }
  for (auto d : shape)
    if (d == 0)
      return;
  // Output strides: reduced axes have length 1 in the output.
  std::vector<std::int64_t> ostr(nd, 0);
  std::int64_t s = 1;
  for (std::size_t d = nd; d-- > 0;) {
    bool reduced = (mask >> d) & 1;
    ostr[d] = reduced ? 0 : s;
    s *= reduced ? 1 : shape[d];
  }
  const std::int64_t row = shape[nd - 1];
  std::vector<std::int64_t> idx(nd, 0);
  std::int64_t in_off = 0, out_off = 0;
  for (;;) {
    f(out_off, data + in_off, row, idx);
    in_off += row;
    std::size_t d = nd - 1;
    for (;;) {
      if (d == 0)
        return;
      --d;
      ++idx[d];
      out_off += ostr[d];
      if (idx[d] < shape[d])
        break;
      out_off -= ostr[d] * shape[d];
      idx[d] = 0;
    }
  }
}

bool is_reduced_last(const shape_t& shape, std::uint64_t mask) {
  return !shape.empty() && ((mask >> (shape.size() - 1)) & 1);
}

} // namespace

void evaluate_expression(std::string_view code, const std::vector<operand>& operands,
                         bool as_double, dtype out_type, char* out, std::int64_t n) {
  std::size_t depth = 0;
  auto steps = parse(code, operands.size(), depth);
  if (as_double)
    run<double>(steps, depth, operands, out_type, out, n);
  else
    run<std::int64_t>(steps, depth, operands, out_type, out, n);
}

std::int64_t partial_fields(reduce_kind kind) {
  switch (kind) {
  case reduce_kind::mean: return 2;  // sum, count
  case reduce_kind::var:
  case reduce_kind::std: return 3;  // count, mean, M2
  case reduce_kind::argmin:
  case reduce_kind::argmax: return 2;  // value, global index
  default: return 1;
  }
}

partial_layout partial_of(reduce_kind kind, dtype input, const shape_t& chunk,
                          std::uint64_t mask) {
  partial_layout p;
  bool exact_int = (kind == reduce_kind::sum || kind == reduce_kind::min
                    || kind == reduce_kind::max)
                   && !detail::is_floating(input);
  p.type = exact_int ? dtype::int64 : dtype::float64;
  p.shape.push_back(partial_fields(kind));
  for (std::size_t d = 0; d < chunk.size(); ++d)
    p.shape.push_back(((mask >> d) & 1) ? 1 : chunk[d]);
  return p;
}

void reduce_chunk(reduce_kind kind, dtype type, const char* data, const shape_t& shape,
                  std::uint64_t mask, const std::vector<std::int64_t>& offsets,
                  const std::vector<std::int64_t>& global, char* out) {
  auto lay = partial_of(kind, type, shape, mask);
  const std::int64_t m = detail::shape_size(lay.shape) / lay.shape[0];
  std::int64_t reduced_count = 1;
  for (std::size_t d = 0; d < shape.size(); ++d)
    if ((mask >> d) & 1)
      reduced_count *= shape[d];
  const bool last_reduced = is_reduced_last(shape, mask);
  with_type(type, [&](auto tag) {
    using S = decltype(tag);
    const S* x = reinterpret_cast<const S*>(data);
    if (lay.type == dtype::int64) {
      auto* o = reinterpret_cast<std::int64_t*>(out);
      std::int64_t init = kind == reduce_kind::sum   ? 0
                          : kind == reduce_kind::min ? std::numeric_limits<std::int64_t>::max()
                                                     : std::numeric_limits<std::int64_t>::min();
      std::fill(o, o + m, init);
      for_each_row(x, shape, mask, [&](std::int64_t oi, const S* r, std::int64_t len, auto&) {
        if (kind == reduce_kind::sum) {
          if (last_reduced) {
            std::int64_t acc = 0;
            for (std::int64_t k = 0; k < len; ++k)
              acc = plus<std::int64_t>(acc, convert<std::int64_t>(r[k]));
            o[oi] = plus(o[oi], acc);
          } else {
            for (std::int64_t k = 0; k < len; ++k)
              o[oi + k] = plus(o[oi + k], convert<std::int64_t>(r[k]));
          }
        } else {
          bool mn = kind == reduce_kind::min;
          for (std::int64_t k = 0; k < len; ++k) {
            auto& slot = o[last_reduced ? oi : oi + k];
            auto v = convert<std::int64_t>(r[k]);
            slot = mn ? std::min(slot, v) : std::max(slot, v);
          }
        }
      });
      return;
    }
    auto* o = reinterpret_cast<double*>(out);
    switch (kind) {
    case reduce_kind::sum:
    case reduce_kind::mean: {
      std::fill(o, o + m, 0.0);
      for_each_row(x, shape, mask, [&](std::int64_t oi, const S* r, std::int64_t len, auto&) {
        if (last_reduced) {
          double acc = 0;
          for (std::int64_t k = 0; k < len; ++k)
            acc += static_cast<double>(r[k]);
          o[oi] += acc;
        } else {
          for (std::int64_t k = 0; k < len; ++k)
            o[oi + k] += static_cast<double>(r[k]);
        }
      });
      if (kind == reduce_kind::mean)
        std::fill(o + m, o + 2 * m, static_cast<double>(reduced_count));
      break;
    }
    case reduce_kind::min:
    case reduce_kind::max: {
      bool mn = kind == reduce_kind::min;
      std::fill(o, o + m, mn ? HUGE_VAL : -HUGE_VAL);
      for_each_row(x, shape, mask, [&](std::int64_t oi, const S* r, std::int64_t len, auto&) {
        for (std::int64_t k = 0; k < len; ++k) {
          double& slot = o[last_reduced ? oi : oi + k];
          double v = static_cast<double>(r[k]);
          // NaN wins, as in NumPy.
          if (std::isnan(v) || (mn ? v < slot : v > slot))
            slot = std::isnan(slot) ? slot : v;
        }
      });
      break;
    }
    case reduce_kind::var:
    case reduce_kind::std: {
      // Two passes (mean, then squared deviations): stable for data far from 0.
      double* count = o;
      double* mean = o + m;
      double* m2 = o + 2 * m;
      std::fill(count, count + m, static_cast<double>(reduced_count));
      std::fill(mean, mean + m, 0.0);
      std::fill(m2, m2 + m, 0.0);
      for_each_row(x, shape, mask, [&](std::int64_t oi, const S* r, std::int64_t len, auto&) {
        for (std::int64_t k = 0; k < len; ++k)
          mean[last_reduced ? oi : oi + k] += static_cast<double>(r[k]);
      });
      if (reduced_count > 0)
        for (std::int64_t j = 0; j < m; ++j)
          mean[j] /= static_cast<double>(reduced_count);
      for_each_row(x, shape, mask, [&](std::int64_t oi, const S* r, std::int64_t len, auto&) {
        for (std::int64_t k = 0; k < len; ++k) {
          std::int64_t j = last_reduced ? oi : oi + k;
          double dev = static_cast<double>(r[k]) - mean[j];
          m2[j] += dev * dev;
        }
      });
      break;
    }
    case reduce_kind::argmin:
    case reduce_kind::argmax: {
      bool mn = kind == reduce_kind::argmin;
      double* val = o;
      double* idx = o + m;
      std::fill(val, val + m, mn ? HUGE_VAL : -HUGE_VAL);
      std::fill(idx, idx + m, -1.0);
      const std::size_t nd = shape.size();
      // Global strides (C order) for flat indices over all axes.
      std::vector<std::int64_t> gstr(nd, 1);
      for (std::size_t d = nd; d-- > 1;)
        gstr[d - 1] = gstr[d] * global[d];
      bool all_axes = true;
      int axis = -1;
      for (std::size_t d = 0; d < nd; ++d) {
        if ((mask >> d) & 1)
          axis = static_cast<int>(d);
        else
          all_axes = false;
      }
      for_each_row(x, shape, mask, [&](std::int64_t oi, const S* r, std::int64_t len,
                                       const std::vector<std::int64_t>& at) {
        std::int64_t base = 0;
        if (all_axes) {
          for (std::size_t d = 0; d + 1 < nd; ++d)
            base += (offsets[d] + at[d]) * gstr[d];
          if (nd)
            base += offsets[nd - 1];
        }
        for (std::int64_t k = 0; k < len; ++k) {
          std::int64_t j = last_reduced ? oi : oi + k;
          double v = static_cast<double>(r[k]);
          bool better = std::isnan(v) ? !std::isnan(val[j]) : (mn ? v < val[j] : v > val[j]);
          if (idx[j] < 0 || better) {
            if (idx[j] >= 0 && std::isnan(val[j]))
              continue;  // the first NaN stays, as in NumPy
            val[j] = v;
            std::int64_t g;
            if (all_axes)
              g = base + k;
            else if (static_cast<std::size_t>(axis) == nd - 1)
              g = offsets[nd - 1] + k;
            else
              g = offsets[static_cast<std::size_t>(axis)] + at[static_cast<std::size_t>(axis)];
            idx[j] = static_cast<double>(g);
          }
        }
      });
      break;
    }
    }
  });
}

void combine_partials(reduce_kind kind, dtype type, const shape_t& shape,
                      const std::vector<const char*>& parts, char* out) {
  const std::int64_t m = detail::shape_size(shape) / shape[0];
  if (type == dtype::int64) {
    auto* o = reinterpret_cast<std::int64_t*>(out);
    std::memcpy(o, parts[0], static_cast<std::size_t>(m) * 8);
    for (std::size_t p = 1; p < parts.size(); ++p) {
      auto* x = reinterpret_cast<const std::int64_t*>(parts[p]);
      for (std::int64_t j = 0; j < m; ++j)
        o[j] = kind == reduce_kind::sum   ? plus(o[j], x[j])
               : kind == reduce_kind::min ? std::min(o[j], x[j])
                                          : std::max(o[j], x[j]);
    }
    return;
  }
  auto* o = reinterpret_cast<double*>(out);
  const std::int64_t fields = shape[0];
  std::memcpy(o, parts[0], static_cast<std::size_t>(m * fields) * 8);
  for (std::size_t p = 1; p < parts.size(); ++p) {
    auto* x = reinterpret_cast<const double*>(parts[p]);
    for (std::int64_t j = 0; j < m; ++j) {
      switch (kind) {
      case reduce_kind::sum: o[j] += x[j]; break;
      case reduce_kind::mean:
        o[j] += x[j];
        o[m + j] += x[m + j];
        break;
      case reduce_kind::min:
        if (std::isnan(x[j]) || x[j] < o[j])
          o[j] = std::isnan(o[j]) ? o[j] : x[j];
        break;
      case reduce_kind::max:
        if (std::isnan(x[j]) || x[j] > o[j])
          o[j] = std::isnan(o[j]) ? o[j] : x[j];
        break;
      case reduce_kind::var:
      case reduce_kind::std: {
        // Chan et al.: merge (count, mean, M2) of two disjoint parts.
        double na = o[j], nb = x[j];
        if (nb == 0)
          break;
        if (na == 0) {
          o[j] = nb;
          o[m + j] = x[m + j];
          o[2 * m + j] = x[2 * m + j];
          break;
        }
        double n = na + nb, delta = x[m + j] - o[m + j];
        o[m + j] += delta * nb / n;
        o[2 * m + j] += x[2 * m + j] + delta * delta * na * nb / n;
        o[j] = n;
        break;
      }
      case reduce_kind::argmin:
      case reduce_kind::argmax: {
        bool mn = kind == reduce_kind::argmin;
        double va = o[j], vb = x[j], ia = o[m + j], ib = x[m + j];
        if (ib < 0)
          break;
        bool take;
        if (ia < 0)
          take = true;
        else if (std::isnan(va) || std::isnan(vb))
          take = std::isnan(vb) && (!std::isnan(va) || ib < ia);
        else
          take = (mn ? vb < va : vb > va) || (vb == va && ib < ia);
        if (take) {
          o[j] = vb;
          o[m + j] = ib;
        }
        break;
      }
      }
    }
  }
}

void finalize_partial(reduce_kind kind, dtype type, const char* data, const shape_t& shape,
                      int ddof, dtype out_type, char* out) {
  const std::int64_t m = detail::shape_size(shape) / shape[0];
  with_type(out_type, [&](auto tag) {
    using O = decltype(tag);
    O* o = reinterpret_cast<O*>(out);
    if (type == dtype::int64) {
      auto* x = reinterpret_cast<const std::int64_t*>(data);
      for (std::int64_t j = 0; j < m; ++j)
        o[j] = convert<O>(x[j]);
      return;
    }
    auto* x = reinterpret_cast<const double*>(data);
    for (std::int64_t j = 0; j < m; ++j) {
      double v = 0;
      switch (kind) {
      case reduce_kind::sum:
      case reduce_kind::min:
      case reduce_kind::max: v = x[j]; break;
      case reduce_kind::mean: v = x[j] / x[m + j]; break;
      case reduce_kind::var:
      case reduce_kind::std: {
        double n = x[j] - ddof;
        v = n > 0 ? x[2 * m + j] / n : std::numeric_limits<double>::quiet_NaN();
        if (kind == reduce_kind::std)
          v = std::sqrt(v);
        break;
      }
      case reduce_kind::argmin:
      case reduce_kind::argmax: v = x[m + j]; break;
      }
      o[j] = convert<O>(v);
    }
  });
}

} // namespace troupe::internal::array
