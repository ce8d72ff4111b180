// Element-wise operations: arithmetic, comparisons, where, maths and casts,
// with broadcasting and NumPy's type promotion, checked against loops.
#include <gtest/gtest.h>

#include <cmath>
#include <type_traits>

#include "dense_reference.hpp"

namespace array_test {
namespace {

using troupe::array;
using troupe::shape_t;

// c[i] = f(a[i], b[i]) over a shape, as a dense reference.
template <class R, class A, class B, class F>
dense<R> zip(const dense<A>& a, const dense<B>& b, F f) {
  dense<R> out(a.shape);
  for (std::size_t k = 0; k < a.values.size(); ++k)
    out.values[k] = static_cast<R>(f(a.values[k], b.values[k]));
  return out;
}
template <class R, class A, class F>
dense<R> map(const dense<A>& a, F f) {
  dense<R> out(a.shape);
  for (std::size_t k = 0; k < a.values.size(); ++k)
    out.values[k] = static_cast<R>(f(a.values[k]));
  return out;
}

class array_elementwise : public cluster_suite {
protected:
  // Two arrays of one shape cut differently: operands are rechunked to match.
  const shape_t shape{6, 7};
  const dense<double> da{shape, random_values(42, 1, -2, 2)};
  const dense<double> db{shape, random_values(42, 2, 0.5, 3)};
  const dense<std::int64_t> di{shape, random_integers(42, 3, -50, 50)};
  const dense<std::int64_t> dj{shape, random_integers(42, 4, 1, 9)};
  const array<double> a = troupe::from_vector(da.values, shape, troupe::chunks_t{{2, 4}, {3, 4}});
  const array<double> b = troupe::from_vector(db.values, shape, troupe::chunks_t{{3, 3}, {7}});
  const array<std::int64_t> i = troupe::from_vector(di.values, shape, {4, 2});
  const array<std::int64_t> j = troupe::from_vector(dj.values, shape, {3, 3});
};

TEST_F(array_elementwise, arithmetic_between_arrays) {
  auto& c = client();
  EXPECT_TRUE(same_values((a + b).compute(c), zip<double>(da, db, [](double x, double y) { return x + y; })));
  EXPECT_TRUE(same_values((a - b).compute(c), zip<double>(da, db, [](double x, double y) { return x - y; })));
  EXPECT_TRUE(same_values((a * b).compute(c), zip<double>(da, db, [](double x, double y) { return x * y; })));
  EXPECT_TRUE(same_values((a / b).compute(c), zip<double>(da, db, [](double x, double y) { return x / y; })));
  // A chain is one fused pass; the order of operations is kept.
  EXPECT_TRUE(same_values(((a * 2 + 1) * a - b / 3).compute(c),
                          zip<double>(da, db, [](double x, double y) { return (x * 2 + 1) * x - y / 3; })));
}

TEST_F(array_elementwise, scalars_on_either_side) {
  auto& c = client();
  EXPECT_TRUE(same_values((a + 2.5).compute(c), map<double>(da, [](double x) { return x + 2.5; })));
  EXPECT_TRUE(same_values((2.5 + a).compute(c), map<double>(da, [](double x) { return 2.5 + x; })));
  EXPECT_TRUE(same_values((a - 1.5).compute(c), map<double>(da, [](double x) { return x - 1.5; })));
  EXPECT_TRUE(same_values((1.5 - a).compute(c), map<double>(da, [](double x) { return 1.5 - x; })));
  EXPECT_TRUE(same_values((a * 3).compute(c), map<double>(da, [](double x) { return x * 3; })));
  EXPECT_TRUE(same_values((3 * a).compute(c), map<double>(da, [](double x) { return 3 * x; })));
  EXPECT_TRUE(same_values((a / 4).compute(c), map<double>(da, [](double x) { return x / 4; })));
  EXPECT_TRUE(same_values((4.0 / b).compute(c), map<double>(db, [](double x) { return 4.0 / x; })));
  EXPECT_TRUE(same_values((7 - i).compute(c), map<std::int64_t>(di, [](std::int64_t x) { return 7 - x; })));
  EXPECT_TRUE(same_values((i * 3).compute(c), map<std::int64_t>(di, [](std::int64_t x) { return x * 3; })));
}

TEST_F(array_elementwise, integer_arithmetic_is_exact_and_true_division_gives_double) {
  auto& c = client();
  EXPECT_TRUE(same_values((i + j).compute(c), zip<std::int64_t>(di, dj, [](auto x, auto y) { return x + y; })));
  EXPECT_TRUE(same_values((i - j).compute(c), zip<std::int64_t>(di, dj, [](auto x, auto y) { return x - y; })));
  EXPECT_TRUE(same_values((i * j).compute(c), zip<std::int64_t>(di, dj, [](auto x, auto y) { return x * y; })));
  auto q = i / j;
  static_assert(std::is_same_v<decltype(q), array<double>>);
  EXPECT_TRUE(same_values(q.compute(c), zip<double>(di, dj, [](auto x, auto y) {
    return static_cast<double>(x) / static_cast<double>(y);
  })));
  auto half = i + 0.5;
  static_assert(std::is_same_v<decltype(half), array<double>>);
  EXPECT_TRUE(same_values(half.compute(c), map<double>(di, [](auto x) { return static_cast<double>(x) + 0.5; })));
  // Beyond 2^53 a double would round: int64 stays int64 all the way.
  const std::int64_t big = (std::int64_t{1} << 60) + 1;
  auto large = troupe::full<std::int64_t>({5}, big, {2});
  auto sum = (large + 2 * large - 3).compute(c);
  for (auto v : sum.values())
    EXPECT_EQ(v, 3 * big - 3);
}

TEST_F(array_elementwise, type_promotion_follows_numpy) {
  auto f = troupe::from_vector(std::vector<float>{1.5f, 2.5f, -3.25f, 0.1f}, {3});
  auto g = troupe::from_vector(std::vector<float>{0.3f, -1.5f, 2.0f, 7.0f}, {2});
  auto d = troupe::from_vector(std::vector<double>{0.25, 2.0, 3.0, 0.1}, {4});
  auto n = troupe::from_vector(std::vector<std::int64_t>{3, -4, 5, 6}, {4});
  static_assert(std::is_same_v<decltype(n + d), array<double>>);
  static_assert(std::is_same_v<decltype(f * g), array<float>>);
  static_assert(std::is_same_v<decltype(f / g), array<float>>);
  static_assert(std::is_same_v<decltype(f + d), array<double>>);
  static_assert(std::is_same_v<decltype(n + f), array<double>>);  // int64 with float32
  static_assert(std::is_same_v<decltype(n / n), array<double>>);
  static_assert(std::is_same_v<decltype(f + 2.5), array<float>>);  // a scalar keeps float32
  static_assert(std::is_same_v<decltype(n * 2), array<std::int64_t>>);
  static_assert(std::is_same_v<decltype(n < d), array<bool>>);
  static_assert(std::is_same_v<decltype(troupe::sqrt(n)), array<double>>);
  static_assert(std::is_same_v<decltype(troupe::sqrt(f)), array<float>>);
  // Documented limitation: bool + bool is int64 here (NumPy keeps bool).
  static_assert(std::is_same_v<decltype((n > 0) + (n > 4)), array<std::int64_t>>);
  EXPECT_EQ((n + d).dtype(), troupe::dtype::float64);
  EXPECT_EQ((f * g).dtype(), troupe::dtype::float32);
  EXPECT_EQ((n == n).dtype(), troupe::dtype::boolean);

  auto& c = client();
  // One float32 operation rounds as float arithmetic does.
  auto fg = (f * g).compute(c);
  std::vector<float> fv{1.5f, 2.5f, -3.25f, 0.1f}, gv{0.3f, -1.5f, 2.0f, 7.0f};
  for (std::size_t k = 0; k < 4; ++k)
    EXPECT_EQ(fg.values()[k], fv[k] * gv[k]);
  auto fd = (n + f).compute(c);
  std::vector<std::int64_t> nv{3, -4, 5, 6};
  for (std::size_t k = 0; k < 4; ++k)
    EXPECT_EQ(fd.values()[k], static_cast<double>(nv[k]) + static_cast<double>(fv[k]));
  auto counts = ((n > 0) + (n > 4)).compute(c);
  EXPECT_EQ(counts.values(), (std::vector<std::int64_t>{1, 0, 2, 2}));
}

TEST_F(array_elementwise, comparisons_give_bool_arrays) {
  auto& c = client();
  auto check = [&](const array<bool>& got, auto f) {
    EXPECT_TRUE(same_values(got.compute(c), zip<std::uint8_t>(da, db, f)));
  };
  check(a < b, [](double x, double y) { return x < y; });
  check(a <= b, [](double x, double y) { return x <= y; });
  check(a > b, [](double x, double y) { return x > y; });
  check(a >= b, [](double x, double y) { return x >= y; });
  check(a == a, [](double, double) { return true; });
  check(a != b, [](double x, double y) { return x != y; });
  check(a > 0.5, [](double x, double) { return x > 0.5; });
  check(0.5 > a, [](double x, double) { return 0.5 > x; });
  check(a <= 0, [](double x, double) { return x <= 0; });
  EXPECT_TRUE(same_values((i == j).compute(c), zip<std::uint8_t>(di, dj, [](auto x, auto y) { return x == y; })));
  EXPECT_TRUE(same_values((i < 2.5).compute(c), map<std::uint8_t>(di, [](auto x) { return x < 2.5; })));
  // Logical operators on bool arrays.
  auto p = a > 0, q = b > 1.5;
  check(p & q, [](double x, double y) { return x > 0 && y > 1.5; });
  check(p | q, [](double x, double y) { return x > 0 || y > 1.5; });
  check(!p, [](double x, double) { return !(x > 0); });
}

TEST_F(array_elementwise, broadcasting_stretches_axes_of_length_one) {
  auto& c = client();
  auto col_v = random_values(4, 5), row_v = random_values(5, 6);
  auto col = troupe::from_vector(col_v, {4, 1}, {3, 1});
  auto row = troupe::from_vector(row_v, {1, 5}, {1, 2});
  dense<double> outer({4, 5});
  for_each_index(outer.shape, [&](const index_t& k) {
    outer[k] = col_v[static_cast<std::size_t>(k[0])] + row_v[static_cast<std::size_t>(k[1])];
  });
  auto sum = col + row;
  EXPECT_EQ(sum.shape(), (shape_t{4, 5}));
  EXPECT_TRUE(same_values(sum.compute(c), outer));

  // (5,) against (3, 5), cut differently: the vector is rechunked.
  auto mat_v = random_values(15, 7);
  auto vec_v = random_values(5, 8);
  auto mat = troupe::from_vector(mat_v, {3, 5}, troupe::chunks_t{{1, 2}, {2, 3}});
  auto vec = troupe::from_vector(vec_v, {5}, {4});
  dense<double> prod({3, 5}), diff({3, 5});
  for_each_index(prod.shape, [&](const index_t& k) {
    prod[k] = vec_v[static_cast<std::size_t>(k[1])] * mat_v[prod.offset(k)];
    diff[k] = mat_v[prod.offset(k)] - vec_v[static_cast<std::size_t>(k[1])];
  });
  EXPECT_TRUE(same_values((vec * mat).compute(c), prod));
  EXPECT_TRUE(same_values((mat - vec).compute(c), diff));

  // Three dimensions: (2, 1, 4) with (3, 1).
  auto cube_v = random_values(8, 9), side_v = random_values(3, 10);
  auto cube = troupe::from_vector(cube_v, {2, 1, 4}, {1, 1, 3});
  auto side = troupe::from_vector(side_v, {3, 1}, {2, 1});
  dense<double> both({2, 3, 4});
  for_each_index(both.shape, [&](const index_t& k) {
    both[k] = cube_v[static_cast<std::size_t>(k[0] * 4 + k[2])] * side_v[static_cast<std::size_t>(k[1])];
  });
  EXPECT_TRUE(same_values((cube * side).compute(c), both));
}

TEST_F(array_elementwise, shapes_that_do_not_broadcast_are_named_in_the_error) {
  auto x = troupe::zeros<double>({3, 4}, {2, 2});
  auto y = troupe::zeros<double>({5}, {2});
  auto z = troupe::zeros<double>({4, 3}, {2, 2});
  for (auto attempt : {+[](const array<double>& p, const array<double>& q) { (void)(p + q); },
                       +[](const array<double>& p, const array<double>& q) { (void)(p < q); },
                       +[](const array<double>& p, const array<double>& q) { (void)troupe::where(p > 0, p, q); }}) {
    try {
      attempt(x, y);
      ADD_FAILURE() << "(3, 4) with (5,) was accepted";
    } catch (const troupe::error& e) {
      std::string m = e.what();
      EXPECT_NE(m.find("(3, 4)"), std::string::npos) << m;
      EXPECT_NE(m.find("(5,)"), std::string::npos) << m;
    }
  }
  try {
    (void)(x * z);
    ADD_FAILURE() << "(3, 4) with (4, 3) was accepted";
  } catch (const troupe::error& e) {
    std::string m = e.what();
    EXPECT_NE(m.find("(3, 4)"), std::string::npos) << m;
    EXPECT_NE(m.find("(4, 3)"), std::string::npos) << m;
  }
}

TEST_F(array_elementwise, where_picks_from_arrays_or_scalars) {
  auto& c = client();
  auto cond = a > 0;
  EXPECT_TRUE(same_values(troupe::where(cond, a, b).compute(c),
                          zip<double>(da, db, [](double x, double y) { return x > 0 ? x : y; })));
  EXPECT_TRUE(same_values(troupe::where(cond, a, 0.0).compute(c),
                          map<double>(da, [](double x) { return x > 0 ? x : 0.0; })));
  auto neg = troupe::where(i > 0, -1, i);
  static_assert(std::is_same_v<decltype(neg), array<std::int64_t>>);
  EXPECT_TRUE(same_values(neg.compute(c), map<std::int64_t>(di, [](auto x) { return x > 0 ? -1 : x; })));
  auto mixed = troupe::where(i > 0, i, 2.5);
  static_assert(std::is_same_v<decltype(mixed), array<double>>);
  EXPECT_TRUE(same_values(mixed.compute(c), map<double>(di, [](auto x) { return x > 0 ? static_cast<double>(x) : 2.5; })));
  // A condition of shape (6, 1) broadcast along the rows.
  auto first = troupe::from_vector(std::vector<double>{1, -1, 1, 1, -1, -1}, {6, 1}, {4, 1}) > 0;
  dense<double> want(shape);
  for_each_index(shape, [&](const index_t& k) {
    bool pick = k[0] == 0 || k[0] == 2 || k[0] == 3;
    want[k] = pick ? da[k] : db[k];
  });
  EXPECT_TRUE(same_values(troupe::where(first, a, b).compute(c), want));
}

TEST_F(array_elementwise, unary_maths_match_the_standard_library) {
  auto& c = client();
  auto pos = troupe::abs(a) + 0.25;
  auto dpos = map<double>(da, [](double x) { return std::abs(x) + 0.25; });
  EXPECT_TRUE(close_values(troupe::sqrt(pos).compute(c), map<double>(dpos, [](double x) { return std::sqrt(x); }), 1e-15));
  EXPECT_TRUE(close_values(troupe::exp(a).compute(c), map<double>(da, [](double x) { return std::exp(x); }), 1e-15));
  EXPECT_TRUE(close_values(troupe::log(pos).compute(c), map<double>(dpos, [](double x) { return std::log(x); }), 1e-15));
  EXPECT_TRUE(close_values(troupe::sin(a).compute(c), map<double>(da, [](double x) { return std::sin(x); }), 1e-15));
  EXPECT_TRUE(close_values(troupe::cos(a).compute(c), map<double>(da, [](double x) { return std::cos(x); }), 1e-15));
  EXPECT_TRUE(same_values(troupe::abs(a).compute(c), map<double>(da, [](double x) { return std::abs(x); })));
  EXPECT_TRUE(same_values((-a).compute(c), map<double>(da, [](double x) { return -x; })));
  EXPECT_TRUE(close_values(troupe::pow(b, 2.5).compute(c), map<double>(db, [](double x) { return std::pow(x, 2.5); }), 1e-15));
  EXPECT_TRUE(close_values(troupe::pow(b, a).compute(c),
                           zip<double>(db, da, [](double x, double y) { return std::pow(x, y); }), 1e-15));
  EXPECT_TRUE(same_values(troupe::maximum(a, b).compute(c), zip<double>(da, db, [](double x, double y) { return std::max(x, y); })));
  EXPECT_TRUE(same_values(troupe::minimum(a, b).compute(c), zip<double>(da, db, [](double x, double y) { return std::min(x, y); })));
  // Integers: abs, negation and powers stay exact integers; sqrt is double.
  EXPECT_TRUE(same_values(troupe::abs(i).compute(c), map<std::int64_t>(di, [](auto x) { return x < 0 ? -x : x; })));
  EXPECT_TRUE(same_values((-i).compute(c), map<std::int64_t>(di, [](auto x) { return -x; })));
  EXPECT_TRUE(same_values(troupe::pow(i, 3).compute(c), map<std::int64_t>(di, [](auto x) { return x * x * x; })));
  EXPECT_TRUE(same_values(troupe::sqrt(j).compute(c), map<double>(dj, [](auto x) { return std::sqrt(static_cast<double>(x)); })));
  // float32: computed and rounded to float.
  std::vector<float> fv{0.5f, 1.25f, 2.0f, 9.0f, 0.1f};
  auto f = troupe::sqrt(troupe::from_vector(fv, {2})).compute(c);
  for (std::size_t k = 0; k < fv.size(); ++k)
    EXPECT_EQ(f.values()[k], std::sqrt(fv[k]));
}

TEST_F(array_elementwise, astype_converts_each_element) {
  auto& c = client();
  auto scaled = a * 3;  // values in (-6, 6): truncation matters
  auto dscaled = map<double>(da, [](double x) { return x * 3; });
  EXPECT_TRUE(same_values(scaled.astype<std::int64_t>().compute(c),
                          map<std::int64_t>(dscaled, [](double x) { return static_cast<std::int64_t>(x); })));
  EXPECT_TRUE(same_values(scaled.astype<bool>().compute(c), map<std::uint8_t>(dscaled, [](double x) { return x != 0; })));
  EXPECT_TRUE(same_values(i.astype<double>().compute(c), map<double>(di, [](auto x) { return static_cast<double>(x); })));
  EXPECT_TRUE(same_values(a.astype<float>().compute(c), map<float>(da, [](double x) { return static_cast<float>(x); })));
}

// A cast inside a longer expression converts there, as NumPy does: the
// fused pass must not skip the truncation (or rounding) and carry on with
// the unconverted value.
TEST_F(array_elementwise, astype_inside_a_fused_expression_converts_before_the_next_operation) {
  auto& c = client();
  auto dscaled = map<double>(da, [](double x) { return x * 3; });
  auto truncated = ((a * 3).astype<std::int64_t>() + 1) * 2;
  EXPECT_TRUE(same_values(truncated.compute(c), map<std::int64_t>(dscaled, [](double x) {
    return (static_cast<std::int64_t>(x) + 1) * 2;
  })));
  auto halves = (a * 3).astype<std::int64_t>() / 2;
  EXPECT_TRUE(same_values(halves.compute(c), map<double>(dscaled, [](double x) {
    return static_cast<double>(static_cast<std::int64_t>(x)) / 2;
  })));
  auto flags = (a * 3).astype<bool>() + 0;
  EXPECT_TRUE(same_values(flags.compute(c), map<std::int64_t>(dscaled, [](double x) { return x != 0 ? 1 : 0; })));
  auto rounded = a.astype<float>() * b;
  EXPECT_TRUE(same_values(rounded.compute(c), zip<double>(da, db, [](double x, double y) {
    return static_cast<double>(static_cast<float>(x)) * y;
  })));
}

// int64 values beyond 2^53 stay exact when combined with a condition on
// floating-point data (the condition is computed in double, the sum is not).
TEST_F(array_elementwise, large_integers_stay_exact_next_to_floating_point_conditions) {
  auto& c = client();
  const std::int64_t big = (std::int64_t{1} << 60) + 1;
  auto large = troupe::full<std::int64_t>(shape, big, {3, 3});
  auto plus = large + (a > 0);
  EXPECT_TRUE(same_values(plus.compute(c), map<std::int64_t>(da, [&](double x) { return big + (x > 0 ? 1 : 0); })));
  auto chosen = troupe::where(a > 0, large, large + 2);
  EXPECT_TRUE(same_values(chosen.compute(c), map<std::int64_t>(da, [&](double x) { return x > 0 ? big : big + 2; })));
}

} // namespace
} // namespace array_test
