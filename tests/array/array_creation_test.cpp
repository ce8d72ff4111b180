// Making arrays: random generators (reproducible whatever the cluster),
// constants, ranges, functions of the index and local data, each checked
// element by element against plain loops.
#include <gtest/gtest.h>

#include <cmath>
#include <cstring>
#include <numeric>
#include <set>

#include "dense_reference.hpp"

// Element (i, j, k) of from_function: digits that say where it came from.
double index_formula(std::vector<std::int64_t> index) {
  double v = 0;
  for (auto i : index)
    v = v * 100 + static_cast<double>(i);
  return v + 0.5;
}
std::int64_t index_sum(std::vector<std::int64_t> index) {
  return std::accumulate(index.begin(), index.end(), std::int64_t{0});
}
bool on_third_diagonal(std::vector<std::int64_t> index) { return (index[0] + index[1]) % 3 == 0; }
double fails_at_row_5(std::vector<std::int64_t> index) {
  if (index[0] == 5)
    throw std::runtime_error("no value at row 5");
  return 1.0;
}
TROUPE_TASK(index_formula, index_sum, on_third_diagonal, fails_at_row_5);

namespace array_test {
namespace {

using troupe::shape_t;

template <class T>
std::vector<troupe::storage_t<T>> compute_on_workers(const troupe::array<T>& x, int workers) {
  troupe::local_cluster cluster{{.n_workers = workers, .threads_per_worker = 1}};
  troupe::client c{cluster};
  return x.compute(c).values();
}

template <class T>
bool bitwise_equal(const std::vector<T>& a, const std::vector<T>& b) {
  return a.size() == b.size() && std::memcmp(a.data(), b.data(), a.size() * sizeof(T)) == 0;
}

// Not in the suite below: it starts its own clusters of 1 and 3 workers.
TEST(array_random, same_seed_gives_the_same_values_on_one_or_three_workers) {
  auto u = troupe::random::uniform({50, 40}, troupe::chunks_t{{7, 13, 30}, {25, 15}}, -2.0, 3.0, {.seed = 42});
  auto n = troupe::random::normal<float>({31, 17}, {8, 5}, 1.0, 2.0, {.seed = 42});
  auto one_u = compute_on_workers(u, 1);
  auto one_n = compute_on_workers(n, 1);
  auto three_u = compute_on_workers(u, 3);
  auto three_n = compute_on_workers(n, 3);
  EXPECT_TRUE(bitwise_equal(one_u, three_u));
  EXPECT_TRUE(bitwise_equal(one_n, three_n));
  // And they are random: no value repeats.
  EXPECT_EQ(std::set<double>(one_u.begin(), one_u.end()).size(), one_u.size());
}

class array_creation : public cluster_suite {};

TEST_F(array_creation, different_seeds_give_different_values) {
  auto a = troupe::random::uniform({1000}, {100}, 0.0, 1.0, {.seed = 1}).compute(client());
  auto b = troupe::random::uniform({1000}, {100}, 0.0, 1.0, {.seed = 2}).compute(client());
  int equal = 0;
  for (std::size_t k = 0; k < 1000; ++k)
    equal += a.values()[k] == b.values()[k];
  EXPECT_EQ(equal, 0);
  // Chunks of one array do not repeat each other's streams either.
  EXPECT_NE(std::vector<double>(a.values().begin(), a.values().begin() + 100),
            std::vector<double>(a.values().begin() + 100, a.values().begin() + 200));
}

TEST_F(array_creation, uniform_values_lie_in_low_high_with_mean_in_the_middle) {
  const std::int64_t n = 200000;
  auto x = troupe::random::uniform({n}, {30000}, 2.0, 5.0, {.seed = 7}).compute(client());
  ASSERT_EQ(x.shape(), (shape_t{n}));
  double sum = 0, lo = 1e300, hi = -1e300;
  for (double v : x.values()) {
    ASSERT_GE(v, 2.0);
    ASSERT_LT(v, 5.0);
    sum += v;
    lo = std::min(lo, v);
    hi = std::max(hi, v);
  }
  // Standard error of the mean: 3 / sqrt(12 n) ~ 0.002.
  EXPECT_NEAR(sum / n, 3.5, 0.02);
  EXPECT_LT(lo, 2.01);
  EXPECT_GT(hi, 4.99);
}

// float32 has few bits near 1000: low + span * u, below high in double,
// can round up to high itself (for about 3 values in 100000 on [1000, 1001)).
TEST_F(array_creation, float_uniform_never_rounds_up_to_high) {
  auto x = troupe::random::uniform<float>({100000}, {25000}, 1000.0, 1001.0, {.seed = 1});
  auto v = x.compute(client());
  int at_high = 0;
  for (float f : v.values()) {
    EXPECT_GE(f, 1000.0f);
    at_high += f >= 1001.0f;
  }
  EXPECT_EQ(at_high, 0);
  // Near 1e7 floats are 1 apart: every value must be low, the only float in
  // [low, high) (half of them would round up to high).
  auto coarse = troupe::random::uniform<float>({1000}, {500}, 1e7, 1e7 + 1, {.seed = 2});
  EXPECT_TRUE(same_values(coarse.compute(client()), dense<float>({1000}, 1e7f)));
}

TEST_F(array_creation, normal_has_the_requested_mean_and_deviation) {
  const std::int64_t n = 300001;  // odd, and odd chunks: Box-Muller pairs cut short
  auto x = troupe::random::normal({n}, {49999}, 10.0, 3.0, {.seed = 11}).compute(client());
  double sum = 0;
  for (double v : x.values())
    sum += v;
  double mean = sum / n, ss = 0;
  std::int64_t within_one = 0;
  for (double v : x.values()) {
    ss += (v - mean) * (v - mean);
    within_one += std::abs(v - 10.0) < 3.0;
  }
  // Standard errors: mean 3 / sqrt(n) ~ 0.0055, deviation ~ 0.004.
  EXPECT_NEAR(mean, 10.0, 0.05);
  EXPECT_NEAR(std::sqrt(ss / n), 3.0, 0.04);
  EXPECT_NEAR(static_cast<double>(within_one) / n, 0.6827, 0.01);
}

TEST_F(array_creation, integers_are_whole_numbers_in_low_high_and_all_appear) {
  auto x = troupe::random::integers({5000}, {700}, -3, 4, {.seed = 5}).compute(client());
  std::vector<int> seen(7, 0);
  for (auto v : x.values()) {
    ASSERT_GE(v, -3);
    ASSERT_LT(v, 4);
    ++seen[static_cast<std::size_t>(v + 3)];
  }
  for (int count : seen)
    EXPECT_GT(count, 500);
}

TEST_F(array_creation, zeros_ones_and_full_of_every_type) {
  shape_t s{5, 7};
  troupe::chunk_spec ch{2, 3};
  EXPECT_TRUE(same_values(troupe::zeros<double>(s, ch).compute(client()), dense<double>(s, 0.0)));
  EXPECT_TRUE(same_values(troupe::ones<float>(s, ch).compute(client()), dense<float>(s, 1.0f)));
  EXPECT_TRUE(same_values(troupe::full<std::int64_t>(s, -(std::int64_t{1} << 60), ch).compute(client()),
                          dense<std::int64_t>(s, -(std::int64_t{1} << 60))));
  EXPECT_TRUE(same_values(troupe::full<double>(s, 2.25, ch).compute(client()), dense<double>(s, 2.25)));
  EXPECT_TRUE(same_values(troupe::full<bool>(s, true, ch).compute(client()), dense<std::uint8_t>(s, 1)));
  EXPECT_TRUE(same_values(troupe::zeros<bool>(s, ch).compute(client()), dense<std::uint8_t>(s, 0)));
  auto z = troupe::zeros<double>({4, 0, 3}, {2, 2, 2});
  EXPECT_EQ(z.compute(client()).size(), 0u);
}

TEST_F(array_creation, arange_is_start_plus_index_times_step) {
  struct range {
    double start, stop, step;
  };
  for (auto r : {range{2, 20, 0.5}, range{0, 100, 3}, range{10, 0, -1.5}, range{0.1, 1.0, 0.1},
                 range{5, 5, 1}, range{5, 1, 1}}) {
    auto n = static_cast<std::int64_t>(std::max(0.0, std::ceil((r.stop - r.start) / r.step)));
    auto x = troupe::arange<double>(r.start, r.stop, r.step, {7});
    ASSERT_EQ(x.shape(), (shape_t{n})) << r.start << ":" << r.stop << ":" << r.step;
    dense<double> want({n});
    for (std::int64_t i = 0; i < n; ++i)
      want.values[static_cast<std::size_t>(i)] = r.start + static_cast<double>(i) * r.step;
    EXPECT_TRUE(same_values(x.compute(client()), want)) << r.start << ":" << r.stop << ":" << r.step;
  }
  auto i = troupe::arange<std::int64_t>(0, 100, 3, {10}).compute(client());
  ASSERT_EQ(i.size(), 34u);
  for (std::int64_t k = 0; k < 34; ++k)
    EXPECT_EQ(i(k), 3 * k);
  EXPECT_EQ(troupe::arange(12, {5}).compute(client())(11), 11.0);
  EXPECT_THROW(troupe::arange<double>(0, 1, 0, {5}), std::invalid_argument);
}

// As NumPy: the first and last values are start and stop exactly, the others
// start + k * step.
TEST_F(array_creation, linspace_includes_both_ends_exactly) {
  struct space {
    double start, stop;
    std::int64_t num;
  };
  for (auto s : {space{0, 1, 11}, space{-1.3, 2.9, 5}, space{-1.3, 2.9, 64}, space{3, 3, 4},
                 space{7, -2, 10}, space{2.5, 9, 1}}) {
    auto x = troupe::linspace(s.start, s.stop, s.num, {3}).compute(client());
    ASSERT_EQ(x.shape(), (shape_t{s.num}));
    double step = s.num > 1 ? (s.stop - s.start) / static_cast<double>(s.num - 1) : 0.0;
    dense<double> want({s.num});
    for (std::int64_t k = 0; k < s.num; ++k)
      want.values[static_cast<std::size_t>(k)] = s.start + static_cast<double>(k) * step;
    if (s.num > 1)
      want.values.back() = s.stop;
    EXPECT_TRUE(same_values(x, want)) << "linspace(" << s.start << ", " << s.stop << ", " << s.num << ")";
  }
  EXPECT_EQ(troupe::linspace(0, 1, 0, {3}).compute(client()).size(), 0u);
}

TEST_F(array_creation, from_function_calls_the_task_with_each_global_index) {
  shape_t s{5, 7, 3};
  auto x = troupe::from_function(&index_formula, s, troupe::chunks_t{{2, 3}, {1, 4, 2}, {3}});
  dense<double> want(s);
  for_each_index(s, [&](const index_t& i) { want[i] = index_formula(i); });
  EXPECT_TRUE(same_values(x.compute(client()), want));

  auto y = troupe::from_function(&index_sum, {9, 4}, {4, 3});
  dense<std::int64_t> sums({9, 4});
  for_each_index(sums.shape, [&](const index_t& i) { sums[i] = i[0] + i[1]; });
  EXPECT_TRUE(same_values(y.compute(client()), sums));

  auto b = troupe::from_function(&on_third_diagonal, {4, 5}, {3, 2});
  EXPECT_EQ(b.dtype(), troupe::dtype::boolean);
  dense<std::uint8_t> diagonal({4, 5});
  for_each_index(diagonal.shape, [&](const index_t& i) { diagonal[i] = (i[0] + i[1]) % 3 == 0; });
  EXPECT_TRUE(same_values(b.compute(client()), diagonal));
  EXPECT_EQ((!b).argmax().compute(client()).item(), 1);
}

TEST_F(array_creation, from_function_errors_reach_the_caller) {
  auto f = troupe::from_function(&fails_at_row_5, {10, 2}, {3, 2});
  try {
    (void)f.compute(client());
    FAIL() << "a failing element function went unnoticed";
  } catch (const troupe::task_error& e) {
    EXPECT_EQ(e.exception_type(), "std::runtime_error");
    EXPECT_EQ(e.message(), "no value at row 5");
  }
  // Rows 0 to 2 are one chunk, which never calls it with row 5.
  EXPECT_EQ(f[":3"].sum().compute(client()).item(), 6.0);
}

TEST_F(array_creation, from_vector_and_from_span_cut_local_data_into_chunks) {
  shape_t s{6, 5};
  auto values = random_values(30, 3);
  auto x = troupe::from_vector(values, s, troupe::chunks_t{{1, 5}, {2, 0, 3}});
  EXPECT_EQ(x.chunks(), (troupe::chunks_t{{1, 5}, {2, 0, 3}}));
  EXPECT_TRUE(same_values(x.compute(client()), dense<double>(s, values)));

  auto ints = random_integers(23, 4, -1000, 1000);
  EXPECT_TRUE(same_values(troupe::from_vector(ints, {4}).compute(client()),
                          dense<std::int64_t>({23}, ints)));

  std::vector<float> floats{1.5f, -2.25f, 3.0f, 1e-3f, 7.0f, 8.5f};
  auto f = troupe::from_span<float>(floats, {3, 2}, {2, 1});
  EXPECT_TRUE(same_values(f.compute(client()), dense<float>({3, 2}, floats)));

  std::vector<std::uint8_t> flags{1, 0, 0, 1, 1, 1, 0};
  auto b = troupe::from_span<bool>(flags, {7}, {3});
  EXPECT_EQ(b.dtype(), troupe::dtype::boolean);
  EXPECT_TRUE(same_values(b.compute(client()), dense<std::uint8_t>({7}, flags)));

  EXPECT_THROW(troupe::from_vector(values, {7, 5}, {2, 2}), std::invalid_argument);
}

TEST_F(array_creation, chunk_specs_resolve_to_lengths_or_say_why_not) {
  auto x = troupe::zeros<double>({10, 7, 4}, {4, -1, 3});
  EXPECT_EQ(x.chunks(), (troupe::chunks_t{{4, 4, 2}, {7}, {3, 1}}));
  auto y = troupe::zeros<double>({10, 7}, troupe::chunk_spec(std::int64_t{5}));
  EXPECT_EQ(y.chunks(), (troupe::chunks_t{{5, 5}, {5, 2}}));
  auto z = troupe::zeros<double>({10, 8}, troupe::chunks_t{{3, 5, 2}, {4, 4}});
  EXPECT_EQ(z.chunks(), (troupe::chunks_t{{3, 5, 2}, {4, 4}}));
  try {
    troupe::zeros<double>({10, 8}, troupe::chunks_t{{3, 5, 1}, {4, 4}});
    FAIL() << "chunks that do not add up to the shape were accepted";
  } catch (const troupe::error& e) {
    EXPECT_NE(std::string{e.what()}.find("add up to 9"), std::string::npos) << e.what();
    EXPECT_NE(std::string{e.what()}.find("(10, 8)"), std::string::npos) << e.what();
  }
  EXPECT_THROW(troupe::zeros<double>({10, 8}, {5}), troupe::error);
  EXPECT_THROW(troupe::zeros<double>({10, 8}, {5, 0}), troupe::error);
  EXPECT_THROW(troupe::zeros<double>({10, -8}, {5, 5}), troupe::error);
  EXPECT_THROW(troupe::random::uniform({10}, {5}, 2.0, 1.0), troupe::error);
  EXPECT_THROW(troupe::random::normal({10}, {5}, 0.0, -1.0), troupe::error);
}

} // namespace
} // namespace array_test
