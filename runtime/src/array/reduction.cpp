// The three stages of tree reductions: a chunk to its partial result,
// partials to one partial, a partial to the result.
#include "array/ops.hpp"

#include <algorithm>
#include <cmath>
#include <cstring>
#include <limits>

#include "array/convert.hpp"
#include "array/element_type.hpp"
#include "array/wrapping.hpp"
#include "troupe/errors.hpp"

namespace troupe::internal::array {

using detail::reduce_kind;

namespace {

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
