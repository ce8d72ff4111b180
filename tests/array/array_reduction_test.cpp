// Tree reductions over any axes: sum, mean, min, max, var, std, argmin and
// argmax, against a reference that groups every element by its output
// position and reduces each group with a plain loop.
#include <gtest/gtest.h>

#include <algorithm>
#include <cmath>
#include <limits>
#include <map>

#include <string_view>

#include <msgpack.hpp>

#include "array/kernels.hpp"
#include "dense_reference.hpp"

namespace array_test {
namespace {

using troupe::array;
using troupe::shape_t;

enum class kind { sum, mean, min, max, var, std };
const char* name(kind k) {
  static const char* names[] = {"sum", "mean", "min", "max", "var", "std"};
  return names[static_cast<int>(k)];
}

// The output shape and, per element of `x`, its output position.
struct grouping {
  shape_t shape;
  std::vector<std::vector<double>> groups;
};
template <class T>
grouping group(const dense<T>& x, const std::vector<int>& axes, bool keepdims) {
  auto reduced = [&](std::size_t d) {
    return std::find(axes.begin(), axes.end(), static_cast<int>(d)) != axes.end();
  };
  shape_t out;
  for (std::size_t d = 0; d < x.shape.size(); ++d)
    if (!reduced(d))
      out.push_back(x.shape[d]);
    else if (keepdims)
      out.push_back(1);
  grouping g{out, std::vector<std::vector<double>>(static_cast<std::size_t>(elements(out)))};
  dense<double> where(out);
  for_each_index(x.shape, [&](const index_t& k) {
    index_t o;
    for (std::size_t d = 0; d < k.size(); ++d)
      if (!reduced(d))
        o.push_back(k[d]);
      else if (keepdims)
        o.push_back(0);
    g.groups[where.offset(o)].push_back(static_cast<double>(x[k]));
  });
  return g;
}

template <class T>
dense<double> reference(const dense<T>& x, const std::vector<int>& axes, kind k, int ddof = 0,
                        bool keepdims = false) {
  auto g = group(x, axes, keepdims);
  dense<double> out(g.shape);
  for (std::size_t j = 0; j < g.groups.size(); ++j) {
    const auto& v = g.groups[j];
    double sum = 0;
    for (double e : v)
      sum += e;
    double mean = sum / static_cast<double>(v.size()), ss = 0;
    for (double e : v)
      ss += (e - mean) * (e - mean);
    double var = ss / static_cast<double>(static_cast<std::int64_t>(v.size()) - ddof);
    // min and max: NaN when any element is NaN, as NumPy.
    double lo = HUGE_VAL, hi = -HUGE_VAL;
    for (double e : v) {
      lo = std::isnan(lo) || std::isnan(e) ? NAN : std::min(lo, e);
      hi = std::isnan(hi) || std::isnan(e) ? NAN : std::max(hi, e);
    }
    switch (k) {
    case kind::sum: out.values[j] = sum; break;
    case kind::mean: out.values[j] = mean; break;
    case kind::min: out.values[j] = lo; break;
    case kind::max: out.values[j] = hi; break;
    case kind::var: out.values[j] = var; break;
    case kind::std: out.values[j] = std::sqrt(var); break;
    }
  }
  return out;
}

template <class T>
array<double> reduce(const array<T>& x, kind k, troupe::axes ax, int ddof, troupe::reduce_options o) {
  switch (k) {
  case kind::sum: return x.sum(ax, o);
  case kind::mean: return x.mean(ax, o);
  case kind::min: return x.min(ax, o);
  case kind::max: return x.max(ax, o);
  case kind::var: return x.var(ax, ddof, o);
  case kind::std: return x.std(ax, ddof, o);
  }
  throw std::logic_error("unknown reduction");
}

// Index of the first extreme value along `axis`, or over the flattened
// array (C order) when there is no axis.
template <class T>
dense<std::int64_t> arg_reference(const dense<T>& x, std::optional<int> axis, bool smallest) {
  auto better = [&](double v, double best) {
    if (std::isnan(best))
      return false;
    return std::isnan(v) || (smallest ? v < best : v > best);
  };
  if (!axis) {
    std::size_t at = 0;
    for (std::size_t k = 1; k < x.values.size(); ++k)
      if (better(static_cast<double>(x.values[k]), static_cast<double>(x.values[at])))
        at = k;
    return dense<std::int64_t>({}, {static_cast<std::int64_t>(at)});
  }
  auto a = static_cast<std::size_t>(*axis);
  shape_t out = x.shape;
  out.erase(out.begin() + static_cast<std::ptrdiff_t>(a));
  dense<std::int64_t> r(out);
  for_each_index(out, [&](const index_t& o) {
    index_t k = o;
    k.insert(k.begin() + static_cast<std::ptrdiff_t>(a), 0);
    std::int64_t best = 0;
    for (std::int64_t p = 1; p < x.shape[a]; ++p) {
      index_t q = k;
      q[a] = p;
      index_t b = k;
      b[a] = best;
      if (better(static_cast<double>(x[q]), static_cast<double>(x[b])))
        best = p;
    }
    r[o] = best;
  });
  return r;
}

class array_reduction : public cluster_suite {
protected:
  const shape_t shape{7, 9, 5};
  const dense<double> dx{shape, random_values(315, 31, -3, 5)};
  const array<double> x = troupe::from_vector(dx.values, shape, troupe::chunks_t{{3, 4}, {2, 5, 2}, {1, 4}});
};

TEST_F(array_reduction, every_reduction_over_every_set_of_axes) {
  const std::vector<std::vector<int>> axis_sets{{0}, {1}, {2}, {0, 1}, {0, 2}, {1, 2}, {0, 1, 2}};
  for (kind k : {kind::sum, kind::mean, kind::min, kind::max, kind::var, kind::std}) {
    for (bool keep : {false, true}) {
      for (auto& axes : axis_sets) {
        auto got = reduce(x, k, troupe::axes{axes}, 0, {.keepdims = keep});
        auto want = reference(dx, axes, k, 0, keep);
        EXPECT_EQ(got.shape(), want.shape);
        EXPECT_TRUE(close_values(got.compute(client()), want, 1e-12))
          << name(k) << " over " << axes.size() << " axes from " << axes[0] << ", keepdims " << keep;
      }
      // No axes given: all of them, a 0-d result (or all ones with keepdims).
      auto all = reduce(x, k, {}, 0, {.keepdims = keep}).compute(client());
      EXPECT_TRUE(close_values(all, reference(dx, {0, 1, 2}, k, 0, keep), 1e-12)) << name(k);
    }
  }
  // Negative axes count from the end.
  EXPECT_TRUE(close_values(x.sum({-1, -3}).compute(client()), reference(dx, {0, 2}, kind::sum), 1e-12));
}

TEST_F(array_reduction, split_every_changes_the_tree_not_the_result) {
  // 7 x 8 = 56 chunks: trees of depth 6, 4 and 2.
  shape_t s{20, 30};
  dense<double> dy{s, random_values(600, 32)};
  auto y = troupe::from_vector(dy.values, s, {3, 4});
  ASSERT_EQ(y.npartitions(), 56);
  for (kind k : {kind::sum, kind::mean, kind::max, kind::var}) {
    for (int split : {2, 3, 8}) {
      auto all = reduce(y, k, {}, 1, {.split_every = split});
      EXPECT_TRUE(close_values(all.compute(client()), reference(dy, {0, 1}, k, 1), 1e-12))
        << name(k) << " split_every " << split;
      auto rows = reduce(y, k, 1, 1, {.split_every = split});
      EXPECT_TRUE(close_values(rows.compute(client()), reference(dy, {1}, k, 1), 1e-12))
        << name(k) << " over axis 1, split_every " << split;
    }
  }
  for (int split : {2, 3, 8}) {
    EXPECT_TRUE(same_values(y.argmax({}, {.split_every = split}).compute(client()),
                            arg_reference(dy, {}, false))) << split;
    EXPECT_TRUE(same_values(y.argmin(0, {.split_every = split}).compute(client()),
                            arg_reference(dy, 0, true))) << split;
  }
}

TEST_F(array_reduction, var_and_std_with_delta_degrees_of_freedom) {
  for (int ddof : {0, 1, 2}) {
    for (int axis : {0, 1, 2}) {
      EXPECT_TRUE(close_values(x.var(axis, ddof).compute(client()), reference(dx, {axis}, kind::var, ddof), 1e-12))
        << "axis " << axis << " ddof " << ddof;
      EXPECT_TRUE(close_values(x.std(axis, ddof).compute(client()), reference(dx, {axis}, kind::std, ddof), 1e-12))
        << "axis " << axis << " ddof " << ddof;
    }
    EXPECT_NEAR(x.std({}, ddof).compute(client()).item(), reference(dx, {0, 1, 2}, kind::std, ddof).values[0], 1e-12);
  }
  // Far from zero, the variance is still that of the deviations.
  auto shifted = (x + 1e9).var().compute(client()).item();
  EXPECT_NEAR(shifted, reference(dx, {0, 1, 2}, kind::var).values[0], 1e-5);
}

TEST_F(array_reduction, argmin_and_argmax_give_the_first_extreme_index) {
  // Few distinct values: many ties, the first one wins.
  dense<std::int64_t> di{shape, random_integers(315, 33, 0, 3)};
  auto i = troupe::from_vector(di.values, shape, troupe::chunks_t{{3, 4}, {2, 5, 2}, {1, 4}});
  for (int axis : {0, 1, 2}) {
    EXPECT_TRUE(same_values(i.argmin(axis).compute(client()), arg_reference(di, axis, true))) << axis;
    EXPECT_TRUE(same_values(i.argmax(axis).compute(client()), arg_reference(di, axis, false))) << axis;
    EXPECT_TRUE(same_values(x.argmin(axis).compute(client()), arg_reference(dx, axis, true))) << axis;
    EXPECT_TRUE(same_values(x.argmax(axis).compute(client()), arg_reference(dx, axis, false))) << axis;
  }
  EXPECT_TRUE(same_values(x.argmax(-1).compute(client()), arg_reference(dx, 2, false)));
  // Without an axis: the index into the flattened array.
  EXPECT_TRUE(same_values(i.argmin().compute(client()), arg_reference(di, {}, true)));
  EXPECT_TRUE(same_values(i.argmax().compute(client()), arg_reference(di, {}, false)));
  EXPECT_TRUE(same_values(x.argmin().compute(client()), arg_reference(dx, {}, true)));
  EXPECT_TRUE(same_values(x.T().argmax().compute(client()), arg_reference(dense<double>::of(x.T().compute(client())), {}, false)));
}

// keepdims keeps the reduced axes (length 1), so the result broadcasts
// back against the array: standardising each column.
TEST_F(array_reduction, keepdims_results_broadcast_back_against_the_array) {
  auto z = (x - x.mean(0, {.keepdims = true})) / x.std(0, 0, {.keepdims = true});
  auto mean = reference(dx, {0}, kind::mean, 0, true), sd = reference(dx, {0}, kind::std, 0, true);
  dense<double> want(shape);
  for_each_index(shape, [&](const index_t& k) {
    index_t m{0, k[1], k[2]};
    want[k] = (dx[k] - mean[m]) / sd[m];
  });
  EXPECT_TRUE(close_values(z.compute(client()), want, 1e-12));
  auto centred = x - x.max({1, 2}, {.keepdims = true});
  auto top = reference(dx, {1, 2}, kind::max, 0, true);
  for_each_index(shape, [&](const index_t& k) { want[k] = dx[k] - top[{k[0], 0, 0}]; });
  EXPECT_TRUE(same_values(centred.compute(client()), want));

  auto arg = x.argmin(1, {.keepdims = true});
  EXPECT_EQ(arg.shape(), (shape_t{7, 1, 5}));
  auto flat = arg_reference(dx, 1, true);
  EXPECT_TRUE(same_values(arg.compute(client()), dense<std::int64_t>({7, 1, 5}, flat.values)));
  EXPECT_EQ(x.argmax({}, {.keepdims = true}).shape(), (shape_t{1, 1, 1}));
}

TEST_F(array_reduction, reductions_of_transposed_and_sliced_arrays) {
  auto t = x.transpose({2, 0, 1});
  auto dt = dense<double>::of(t.compute(client()));
  EXPECT_TRUE(same_values(t.argmax(2).compute(client()), arg_reference(dt, 2, false)));
  EXPECT_TRUE(close_values(t.sum({0, 2}).compute(client()), reference(dt, {0, 2}, kind::sum), 1e-12));
  auto s = x["::-2, 3, 1:"];
  auto ds = dense<double>::of(s.compute(client()));
  EXPECT_TRUE(close_values(s.var(0, 1).compute(client()), reference(ds, {0}, kind::var, 1), 1e-12));
  EXPECT_TRUE(same_values(s.argmin().compute(client()), arg_reference(ds, {}, true)));
}

TEST_F(array_reduction, nan_wins_min_max_and_their_indices) {
  auto v = dx.values;
  v[200] = std::numeric_limits<double>::quiet_NaN();
  v[250] = std::numeric_limits<double>::quiet_NaN();
  dense<double> dn{shape, v};
  auto n = troupe::from_vector(v, shape, {3, 4, 2});
  EXPECT_TRUE(std::isnan(n.min().compute(client()).item()));
  EXPECT_TRUE(std::isnan(n.max().compute(client()).item()));
  EXPECT_EQ(n.argmax().compute(client()).item(), 200);
  EXPECT_EQ(n.argmin().compute(client()).item(), 200);
  EXPECT_TRUE(same_values(n.max(1).compute(client()), reference(dn, {1}, kind::max)));
  EXPECT_TRUE(same_values(n.argmin(1).compute(client()), arg_reference(dn, 1, true)));
}

TEST_F(array_reduction, result_types_and_exact_integer_sums) {
  // Past 2^53 a double sum would round; int64 partial sums do not.
  const std::int64_t big = (std::int64_t{1} << 53) + 1;
  std::vector<std::int64_t> v(40, big);
  v[7] = 3;
  auto i = troupe::from_vector(v, {6});
  auto s = i.sum();
  static_assert(std::is_same_v<decltype(s), array<std::int64_t>>);
  EXPECT_EQ(s.compute(client()).item(), 39 * big + 3);
  EXPECT_EQ(i.min().compute(client()).item(), 3);
  EXPECT_EQ(i.max().compute(client()).item(), big);
  auto m = i.mean();
  static_assert(std::is_same_v<decltype(m), array<double>>);
  auto small = troupe::from_vector(std::vector<std::int64_t>{1, 2, 3, 4}, {3});
  EXPECT_DOUBLE_EQ(small.var().compute(client()).item(), 1.25);
  EXPECT_DOUBLE_EQ(small.mean().compute(client()).item(), 2.5);

  // bool: sum counts, min and max are bool.
  auto flags = x > 1;
  std::int64_t count = 0;
  for (double e : dx.values)
    count += e > 1;
  auto c = flags.sum();
  static_assert(std::is_same_v<decltype(c), array<std::int64_t>>);
  EXPECT_EQ(c.compute(client()).item(), count);
  EXPECT_EQ(flags.max().compute(client()).item(), 1);
  EXPECT_EQ(flags.min().compute(client()).item(), 0);
  EXPECT_TRUE(close_values(flags.mean(0).compute(client()), reference(dense<double>::of(flags.compute(client())), {0}, kind::mean), 1e-15));

  // float32 stays float32.
  std::vector<float> fv{1.5f, 2.25f, -0.5f, 4.0f, 8.0f};
  auto f = troupe::from_vector(fv, {2});
  auto fs = f.sum();
  static_assert(std::is_same_v<decltype(fs), array<float>>);
  static_assert(std::is_same_v<decltype(f.std()), array<float>>);
  EXPECT_EQ(fs.compute(client()).item(), 15.25f);
  EXPECT_EQ(f.max().compute(client()).item(), 8.0f);
  EXPECT_FLOAT_EQ(f.mean().compute(client()).item(), 3.05f);
  EXPECT_FLOAT_EQ(f.var(0, 1).compute(client()).item(), 10.2625f);
}

TEST_F(array_reduction, reductions_of_empty_arrays) {
  auto e = troupe::zeros<double>({0, 4}, {2, 2});
  EXPECT_TRUE(same_values(e.sum(0).compute(client()), dense<double>({4}, 0.0)));
  EXPECT_EQ(e.sum().compute(client()).item(), 0.0);
  EXPECT_TRUE(std::isnan(e.mean().compute(client()).item()));
  EXPECT_EQ(e.sum(1).shape(), (shape_t{0}));
  EXPECT_EQ(e.max(1).compute(client()).size(), 0u);  // nothing to reduce in each of 0 rows
  try {
    (void)e.min();
    FAIL() << "min of an empty array was accepted";
  } catch (const troupe::error& err) {
    EXPECT_NE(std::string{err.what()}.find("zero-size array to reduction operation min"), std::string::npos)
      << err.what();
  }
  EXPECT_THROW((void)e.argmax(0), troupe::error);
}

TEST_F(array_reduction, bad_axes_and_options_are_errors) {
  expect_error_saying([&] { (void)x.sum(3); }, "axis 3 is out of bounds for an array of dimension 3");
  expect_error_saying([&] { (void)x.mean(-4); }, "axis -4 is out of bounds");
  expect_error_saying([&] { (void)x.max({1, 1}); }, "axis 1 is given twice");
  expect_error_saying([&] { (void)x.sum({}, {.split_every = 1}); }, "split_every must be 2 or more");
  expect_error_saying([&] { (void)x.argmin(5); }, "out of bounds");
  expect_error_saying([&] { (void)x.sum(0).min(2); }, "axis 2 is out of bounds for an array of dimension 2");
}

// The large 3-D case of the issue: four chunks of 45 MiB.
TEST_F(array_reduction, large_three_dimensional_array) {
  auto big = troupe::random::uniform({600, 200, 200}, {300, 100, 200}, 0.0, 1.0, {.seed = 3});
  ASSERT_EQ(big.npartitions(), 4);
  auto dense_big = big.compute(client());
  const auto& v = dense_big.values();
  dense<double> col_sums({200, 200}, 0.0);
  std::vector<double> plane_means(600, 0.0);
  double top = -1;
  for (std::size_t i = 0; i < 600; ++i) {
    double plane = 0;
    for (std::size_t jk = 0; jk < 40000; ++jk) {
      double e = v[i * 40000 + jk];
      col_sums.values[jk] += e;
      plane += e;
      top = std::max(top, e);
    }
    plane_means[i] = plane / 40000;
  }
  EXPECT_TRUE(close_values(big.sum(0).compute(client()), col_sums, 1e-12));
  EXPECT_TRUE(close_values(big.mean({1, 2}, {.split_every = 2}).compute(client()),
                           dense<double>({600}, plane_means), 1e-12));
  EXPECT_EQ(big.max().compute(client()).item(), top);
}

} // namespace
} // namespace array_test

// Found by the array fuzzer: an argmin block program whose axis mask is 0
// indexed offsets[-1]. A worker must refuse it with a reason instead.
TEST(array_reduction_programs, an_argmin_over_no_axis_is_refused) {
  const std::string base64 =
    "kcS3AwAAAAEAAQAAAAAAAAACAAAAAAAAAAgAAAAAAAAAAAAAAAAA8D8DAgYAAAAAAAAABQAAAAAAAAAGAgECBgAAAAAAAAAF"
    "AAAAAAAAAAEAAAAAAAAAGwAAAAAAAAAAAAMGAQAAAAAAAPA/AAAAAAAAAAADCAwBAAAABgAAAAAAAAAAAgAAAAAAAAAAAAAA"
    "AAAAAAACBgAAAAAAAAAFAAAAAwAAAAAAAAAFAAAAAAAAAAAAAAAOAgAAAAEAAAAAAwE/AAAAAAAAAA==";
  std::string bytes;
  int bits = 0, value = 0;
  for (char c : base64) {
    auto at = std::string_view{"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/"}.find(c);
    if (at == std::string_view::npos)
      break;  // '=' padding
    value = (value << 6) | static_cast<int>(at);
    if ((bits += 6) >= 8) {
      bits -= 8;
      bytes.push_back(static_cast<char>((value >> bits) & 0xff));
    }
  }
  auto handle = msgpack::unpack(bytes.data(), bytes.size());
  std::string out;
  try {
    troupe::internal::array::run_block_program(handle.get(), out);
    FAIL() << "the program ran";
  } catch (const troupe::error& e) {
    EXPECT_NE(std::string{e.what()}.find("argmin/argmax reduce one axis or all of them"),
              std::string::npos)
      << e.what();
  }
}
