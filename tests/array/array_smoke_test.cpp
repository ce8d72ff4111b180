// First checks of troupe::array against plain loops.
#include <gtest/gtest.h>

#include <cmath>
#include <numeric>
#include <sstream>

#include <troupe/troupe.hpp>

TEST(array_smoke, arange_sum_and_mean) {
  troupe::local_cluster cluster{{.n_workers = 2, .threads_per_worker = 1}};
  troupe::client c{cluster};
  auto x = troupe::arange<double>(0, 100, 1, {7});
  EXPECT_EQ(x.npartitions(), 15);
  auto s = x.sum().compute(c);
  EXPECT_EQ(s.item(), 4950.0);
  auto m = x.mean().compute(c);
  EXPECT_DOUBLE_EQ(m.item(), 49.5);
  auto v = x.compute(c);
  ASSERT_EQ(v.size(), 100u);
  for (int i = 0; i < 100; ++i)
    EXPECT_EQ(v(i), i);
}

TEST(array_smoke, transpose_add_slice_mean) {
  troupe::local_cluster cluster{{.n_workers = 2, .threads_per_worker = 1}};
  troupe::client c{cluster};
  auto x = troupe::random::uniform({60, 60}, {10, 10});
  auto dense = x.compute(c);
  auto y = x + x.T();
  auto z = y["::2, 25:"].mean(1);
  auto got = z.compute(c);
  ASSERT_EQ(got.shape(), (troupe::shape_t{30}));
  for (int i = 0; i < 30; ++i) {
    double acc = 0;
    for (int j = 25; j < 60; ++j)
      acc += dense(2 * i, j) + dense(j, 2 * i);
    EXPECT_NEAR(got(i), acc / 35, 1e-12);
  }
  std::ostringstream text;
  text << z;
  EXPECT_NE(text.str().find("shape=(30,)"), std::string::npos) << text.str();
  std::cout << text.str();
}
