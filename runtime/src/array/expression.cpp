// Element-wise expressions of block programs, evaluated tile by tile.
#include "array/ops.hpp"

#include <algorithm>
#include <cmath>
#include <cstring>
#include <limits>

#include "array/convert.hpp"
#include "array/element_type.hpp"
#include "array/program.hpp"
#include "array/wrapping.hpp"
#include "troupe/errors.hpp"

namespace troupe::internal::array {

using detail::ew_op;

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
// result being updated, element by element), never b; expression.cpp is
// built with -O3 so that these loops are vectorised.
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

} // namespace troupe::internal::array
