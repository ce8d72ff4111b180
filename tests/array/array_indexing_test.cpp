// Transposes, slices (any start, stop and step, on every axis), integer
// indices and NumPy's string syntax, against a reference that picks the
// indices by filtering every position of the axis.
#include <gtest/gtest.h>

#include <algorithm>
#include <optional>

#include "dense_reference.hpp"

namespace array_test {
namespace {

using troupe::array;
using troupe::shape_t;
using troupe::slice;

// The positions NumPy's a[start:stop:step] takes from an axis of length
// `len`: every position on the right side of start (clamped into the axis)
// and strictly before stop, a whole number of steps away from start.
std::vector<std::int64_t> positions(std::int64_t len, std::optional<std::int64_t> start,
                                    std::optional<std::int64_t> stop, std::int64_t step) {
  auto from_end = [&](std::int64_t v) { return v < 0 ? v + len : v; };
  std::vector<std::int64_t> out;
  if (step > 0) {
    std::int64_t s = start ? std::max<std::int64_t>(from_end(*start), 0) : 0;
    std::int64_t e = stop ? from_end(*stop) : len;
    for (std::int64_t p = 0; p < len; ++p)
      if (p >= s && p < e && (p - s) % step == 0)
        out.push_back(p);
  } else {
    std::int64_t s = start ? std::min<std::int64_t>(from_end(*start), len - 1) : len - 1;
    std::optional<std::int64_t> e;
    if (stop)
      e = from_end(*stop);
    for (std::int64_t p = len - 1; p >= 0; --p)
      if (p <= s && (!e || p > *e) && (s - p) % (-step) == 0)
        out.push_back(p);
  }
  return out;
}

// Reference for x[slices...]: one list of positions per axis.
template <class T>
dense<T> pick(const dense<T>& x, const std::vector<std::vector<std::int64_t>>& per_axis) {
  shape_t shape;
  for (auto& p : per_axis)
    shape.push_back(static_cast<std::int64_t>(p.size()));
  dense<T> out(shape);
  for_each_index(shape, [&](const index_t& k) {
    index_t src;
    for (std::size_t d = 0; d < k.size(); ++d)
      src.push_back(per_axis[d][static_cast<std::size_t>(k[d])]);
    out[k] = x[src];
  });
  return out;
}

class array_indexing : public cluster_suite {
protected:
  const shape_t shape{7, 9, 5};
  const dense<double> dx{shape, random_values(315, 21)};
  const array<double> x = troupe::from_vector(dx.values, shape, troupe::chunks_t{{3, 4}, {2, 5, 2}, {1, 4}});
};

TEST_F(array_indexing, transpose_with_every_axis_order) {
  std::vector<int> order{0, 1, 2};
  do {
    auto t = x.transpose(order);
    shape_t want_shape;
    troupe::chunks_t want_chunks;
    for (int o : order) {
      want_shape.push_back(shape[static_cast<std::size_t>(o)]);
      want_chunks.push_back(x.chunks()[static_cast<std::size_t>(o)]);
    }
    EXPECT_EQ(t.shape(), want_shape);
    EXPECT_EQ(t.chunks(), want_chunks);
    dense<double> want(want_shape);
    for_each_index(want_shape, [&](const index_t& k) {
      index_t src(3);
      for (std::size_t d = 0; d < 3; ++d)
        src[static_cast<std::size_t>(order[d])] = k[d];
      want[k] = dx[src];
    });
    EXPECT_TRUE(same_values(t.compute(client()), want)) << order[0] << order[1] << order[2];
  } while (std::next_permutation(order.begin(), order.end()));
  // Negative axes count from the end; T() reverses them.
  auto r = x.transpose({-1, 0, 1}).compute(client());
  EXPECT_EQ(r.shape(), (shape_t{5, 7, 9}));
  EXPECT_EQ(r(3, 6, 2), (dx[{6, 2, 3}]));
  auto rev = x.T().compute(client());
  EXPECT_EQ(rev.shape(), (shape_t{5, 9, 7}));
  EXPECT_EQ(rev(4, 8, 1), (dx[{1, 8, 4}]));
  EXPECT_THROW(x.transpose({0, 0, 1}), troupe::error);
  EXPECT_THROW(x.transpose({0, 1}), troupe::error);
  EXPECT_THROW(x.transpose({0, 1, 3}), troupe::error);
}

// Every combination of start, stop and step on a 1-D array of 23 elements
// in chunks of 5 (crossing chunk boundaries both ways).
TEST_F(array_indexing, one_axis_slices_with_any_start_stop_and_step) {
  const std::int64_t len = 23;
  std::vector<double> v(len);
  for (std::int64_t k = 0; k < len; ++k)
    v[static_cast<std::size_t>(k)] = static_cast<double>(k);
  auto a = troupe::from_vector(v, {5});
  using opt = std::optional<std::int64_t>;
  std::vector<opt> bounds{std::nullopt, 0, 4, 5, 11, 22, 23, 40, -1, -5, -23, -40};
  for (std::int64_t step : {1, 2, 3, 7, 30, -1, -2, -4}) {
    for (auto start : bounds) {
      for (auto stop : bounds) {
        auto want = positions(len, start, stop, step);
        auto s = a(slice{start, stop, step});
        std::string what = std::to_string(start.value_or(999)) + ":" + std::to_string(stop.value_or(999))
                           + ":" + std::to_string(step);
        ASSERT_EQ(s.shape(), (shape_t{static_cast<std::int64_t>(want.size())})) << what;
        auto got = s.compute(client());
        std::vector<std::int64_t> got_positions;
        for (double g : got.values())
          got_positions.push_back(static_cast<std::int64_t>(g));
        ASSERT_EQ(got_positions, want) << what;
      }
    }
  }
}

TEST_F(array_indexing, slices_on_every_axis_with_negative_steps) {
  struct case_t {
    std::string text;
    std::vector<slice> slices;
  };
  std::vector<case_t> cases{
    {"::-1, ::-1, ::-1", {{{}, {}, -1}, {{}, {}, -1}, {{}, {}, -1}}},
    {"1:6:2, -2:0:-3, 4:", {{1, 6, 2}, {-2, 0, -3}, {4, {}, 1}}},
    {"-1:-8:-2, 1::3, -3:-1", {{-1, -8, -2}, {1, {}, 3}, {-3, -1, 1}}},
    {":, 8:2:-1, ::2", {{{}, {}, 1}, {8, 2, -1}, {{}, {}, 2}}},
    {"5::-2, :3, -1::-4", {{5, {}, -2}, {{}, 3, 1}, {-1, {}, -4}}},
  };
  for (auto& c : cases) {
    std::vector<std::vector<std::int64_t>> per_axis;
    for (std::size_t d = 0; d < 3; ++d)
      per_axis.push_back(positions(shape[d], c.slices[d].start, c.slices[d].stop, c.slices[d].step));
    auto want = pick(dx, per_axis);
    EXPECT_TRUE(same_values(x[c.text].compute(client()), want)) << c.text;
    EXPECT_TRUE(same_values(x(c.slices[0], c.slices[1], c.slices[2]).compute(client()), want)) << c.text;
  }
  // A negative step takes the chunks in reverse: the result's chunks too.
  EXPECT_EQ(x["::-1, ::-3"].chunks(), (troupe::chunks_t{{4, 3}, {1, 2}, {1, 4}}));
  // A slice of a slice, and of an element-wise result.
  auto twice = x["1:, ::-1"]["::2, 2:7"];
  auto want = pick(dx, {{1, 3, 5}, {6, 5, 4, 3, 2}, {0, 1, 2, 3, 4}});
  EXPECT_TRUE(same_values(twice.compute(client()), want));
  auto doubled = (x * 2)["::3, 4, 1:3"].compute(client());
  ASSERT_EQ(doubled.shape(), (shape_t{3, 2}));
  EXPECT_EQ(doubled(2, 1), (2 * dx[{6, 4, 2}]));
}

TEST_F(array_indexing, integer_indices_drop_their_axis) {
  auto row = x(2);
  EXPECT_EQ(row.shape(), (shape_t{9, 5}));
  EXPECT_TRUE(same_values(row.compute(client()),
                          dense<double>({9, 5}, std::vector<double>(dx.values.begin() + 2 * 45,
                                                                    dx.values.begin() + 3 * 45))));
  auto col = x(troupe::all, 3);
  EXPECT_EQ(col.shape(), (shape_t{7, 5}));
  auto c = col.compute(client());
  for_each_index(c.shape(), [&](const index_t& k) { EXPECT_EQ(c.at(k), (dx[{k[0], 3, k[1]}])); });

  auto block = x(slice{2, 6}, 3);
  EXPECT_EQ(block.shape(), (shape_t{4, 5}));
  auto picked = pick(dx, {{2, 3, 4, 5}, {3}, {0, 1, 2, 3, 4}});  // shape (4, 1, 5)
  EXPECT_TRUE(same_values(block.compute(client()), dense<double>({4, 5}, picked.values)));

  auto mixed = x(slice{1, 6, 2}, -1, slice{{}, {}, -2});
  EXPECT_EQ(mixed.shape(), (shape_t{3, 3}));
  auto m = mixed.compute(client());
  EXPECT_TRUE(same_values(m, dense<double>({3, 3}, {dx[{1, 8, 4}], dx[{1, 8, 2}], dx[{1, 8, 0}],
                                                    dx[{3, 8, 4}], dx[{3, 8, 2}], dx[{3, 8, 0}],
                                                    dx[{5, 8, 4}], dx[{5, 8, 2}], dx[{5, 8, 0}]})));
  auto text = x["3, :, -1"].compute(client());
  EXPECT_EQ(text.shape(), (shape_t{9}));
  for (std::int64_t k = 0; k < 9; ++k)
    EXPECT_EQ(text(k), (dx[{3, k, 4}]));
  // Every axis indexed: a 0-d array of one element, which broadcasts.
  auto one = x(-1, -1, -1);
  EXPECT_EQ(one.shape(), shape_t{});
  EXPECT_EQ(one.compute(client()).item(), (dx[{6, 8, 4}]));
  EXPECT_EQ((one * one + 1).compute(client()).item(), (dx[{6, 8, 4}] * dx[{6, 8, 4}] + 1));
  EXPECT_EQ(one.sum().compute(client()).item(), (dx[{6, 8, 4}]));
  auto shifted = (x - one).compute(client());
  for_each_index(shape, [&](const index_t& k) { EXPECT_EQ(shifted.at(k), (dx[k] - dx[{6, 8, 4}])); });
}

TEST_F(array_indexing, empty_slices_have_length_zero) {
  auto v = troupe::arange<double>(0, 10, 1, {4});
  auto e = v["5:2"];
  EXPECT_EQ(e.shape(), (shape_t{0}));
  EXPECT_EQ(e.compute(client()).size(), 0u);
  EXPECT_EQ(e.sum().compute(client()).item(), 0.0);
  EXPECT_EQ(v["2:5:-1"].shape(), (shape_t{0}));
  EXPECT_EQ(v["2:5:-1"].chunks(), (troupe::chunks_t{{0}}));
  EXPECT_EQ(v["20:"].shape(), (shape_t{0}));
  auto rows = x["4:4, :"];
  EXPECT_EQ(rows.shape(), (shape_t{0, 9, 5}));
  EXPECT_EQ(rows.compute(client()).size(), 0u);
  auto sums = rows.sum(0).compute(client());
  EXPECT_TRUE(same_values(sums, dense<double>({9, 5}, 0.0)));
}

TEST_F(array_indexing, string_index_on_a_wide_array) {
  std::vector<double> v(6 * 10000);
  for (std::size_t k = 0; k < v.size(); ++k)
    v[k] = static_cast<double>(k);
  auto wide = troupe::from_vector(v, {6, 10000}, {3, 2500});
  auto s = wide["::2, 5000:"];
  EXPECT_EQ(s.shape(), (shape_t{3, 5000}));
  EXPECT_EQ(s.chunks(), (troupe::chunks_t{{2, 1}, {2500, 2500}}));
  auto got = s.compute(client());
  dense<double> want({3, 5000});
  for_each_index(want.shape, [&](const index_t& k) { want[k] = static_cast<double>(2 * k[0] * 10000 + 5000 + k[1]); });
  EXPECT_TRUE(same_values(got, want));
  // Spaces and a trailing comma are accepted, as in Python.
  EXPECT_EQ(wide[" 1 , 9_999 , "].compute(client()).item(), 19999.0);
}

TEST_F(array_indexing, bad_indices_are_errors_that_say_why) {
  expect_error_saying([&] { (void)x(7); }, "index 7 is out of bounds for axis 0 with size 7");
  expect_error_saying([&] { (void)x(0, -10); }, "index -10 is out of bounds for axis 1 with size 9");
  expect_error_saying([&] { (void)x["0, 0, 5"]; }, "index 5 is out of bounds for axis 2 with size 5");
  expect_error_saying([&] { (void)x(0, 0, 0, 0); }, "too many indices");
  expect_error_saying([&] { (void)x(slice{0, 5, 0}); }, "step cannot be zero");
  expect_error_saying([&] { (void)x["1:2:3:4"]; }, "too many ':'");
  expect_error_saying([&] { (void)x["a"]; }, "not an integer");
  expect_error_saying([&] { (void)x["1,,2"]; }, "empty position");
  // A computed result checks its own indices too.
  auto r = x(0).compute(client());
  EXPECT_THROW(r(9, 0), std::out_of_range);
  EXPECT_THROW(r(0), std::out_of_range);
}

} // namespace
} // namespace array_test
