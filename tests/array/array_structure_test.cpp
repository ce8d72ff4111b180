// Operations that move data between chunks: rechunk, matmul, concatenate,
// stack, cumsum; persist; and map_blocks with user tasks.
#include <gtest/gtest.h>

#include <atomic>
#include <mutex>
#include <set>
#include <sstream>

#include "dense_reference.hpp"

// Block functions for map_blocks. Each call is counted: workers of a
// local_cluster are threads of this process.
std::atomic<int> block_calls{0};

troupe::block<double> square_block(troupe::block<double> b) {
  ++block_calls;
  for (auto& v : b.data)
    v *= v;
  return b;
}
troupe::block<double> weighted_sum(troupe::block<double> a, troupe::block<double> b, double w) {
  ++block_calls;
  for (std::size_t k = 0; k < a.data.size(); ++k)
    a.data[k] += w * b.data[k];
  return a;
}
// Every element of a block: the number of elements in that block.
troupe::block<std::int64_t> block_size(troupe::block<double> b) {
  ++block_calls;
  return {b.shape, std::vector<std::int64_t>(b.size(), static_cast<std::int64_t>(b.size()))};
}
// Each row twice: the result's chunks are twice as long along axis 0.
troupe::block<double> repeat_rows(troupe::block<double> b) {
  ++block_calls;
  auto cols = static_cast<std::size_t>(b.shape[1]);
  troupe::block<double> out{{b.shape[0] * 2, b.shape[1]}, {}};
  for (std::int64_t r = 0; r < b.shape[0]; ++r)
    for (int twice = 0; twice < 2; ++twice)
      out.data.insert(out.data.end(), b.data.begin() + static_cast<std::ptrdiff_t>(r * cols),
                      b.data.begin() + static_cast<std::ptrdiff_t>((r + 1) * cols));
  return out;
}
// A block one row short: not the chunk the array promised.
troupe::block<double> drop_row(troupe::block<double> b) {
  b.data.resize(b.data.size() - static_cast<std::size_t>(b.shape[1]));
  b.shape[0] -= 1;
  return b;
}
troupe::block<double> fails_above_10(troupe::block<double> b) {
  for (double v : b.data)
    if (v > 10)
      throw std::invalid_argument("value " + std::to_string(static_cast<int>(v)) + " is above 10");
  return b;
}
TROUPE_TASK(square_block, weighted_sum, block_size, repeat_rows, drop_row, fails_above_10);

namespace array_test {
namespace {

using troupe::array;
using troupe::chunks_t;
using troupe::shape_t;

class array_structure : public cluster_suite {
protected:
  const shape_t shape{7, 9, 5};
  const dense<double> dx{shape, random_values(315, 41)};
  const array<double> x = troupe::from_vector(dx.values, shape, chunks_t{{3, 4}, {2, 5, 2}, {1, 4}});
};

TEST_F(array_structure, rechunk_to_finer_coarser_and_ragged_chunks) {
  for (troupe::chunk_spec spec : {troupe::chunk_spec{1, 2, 5}, troupe::chunk_spec{7, 9, 5},
                                  troupe::chunk_spec{4, -1, 3}, troupe::chunk_spec{chunks_t{{1, 1, 5}, {0, 9}, {2, 2, 1}}},
                                  troupe::chunk_spec{chunks_t{{3, 4}, {2, 5, 2}, {1, 4}}}}) {
    auto r = x.rechunk(spec);
    auto want_chunks = spec.resolve(shape);
    EXPECT_EQ(r.chunks(), want_chunks);
    EXPECT_TRUE(same_values(r.compute(client()), dx));
    EXPECT_TRUE(same_values((r + x).compute(client()), dense<double>{shape, [&] {
                                                          auto v = dx.values;
                                                          for (auto& e : v)
                                                            e += e;
                                                          return v;
                                                        }()}));
  }
  // Rechunking a slice, and an element-wise result that broadcasts.
  auto s = x["::-2, 3, 1:"].rechunk({1, 4});
  EXPECT_EQ(s.chunks(), (chunks_t{{1, 1, 1, 1}, {4}}));
  auto ds = s.compute(client());
  for_each_index(ds.shape(), [&](const index_t& k) { EXPECT_EQ(ds.at(k), (dx[{6 - 2 * k[0], 3, k[1] + 1}])); });
  auto row_v = random_values(5, 51);
  auto row = troupe::from_vector(row_v, {5}, {2});
  auto b = (x + row).rechunk(chunks_t{{7}, {9}, {1, 0, 4}}).compute(client());
  for_each_index(shape, [&](const index_t& k) {
    EXPECT_EQ(b.at(k), dx[k] + row_v[static_cast<std::size_t>(k[2])]);
  });
  // Rechunking to the same chunks is the array itself: no task.
  EXPECT_EQ(x.rechunk(chunks_t{{3, 4}, {2, 5, 2}, {1, 4}}).node(), x.node());
  EXPECT_THROW(x.rechunk(chunks_t{{3, 3}, {9}, {5}}), troupe::error);
}

TEST_F(array_structure, matmul_and_dot_multiply_matrices) {
  auto av = random_values(7 * 5, 42), bv = random_values(5 * 4, 43);
  // The inner axis is cut differently in a and b: b is rechunked to match.
  auto a = troupe::from_vector(av, {7, 5}, chunks_t{{3, 4}, {2, 3}});
  auto b = troupe::from_vector(bv, {5, 4}, chunks_t{{4, 1}, {1, 3}});
  dense<double> want({7, 4}, 0.0);
  for (std::size_t i = 0; i < 7; ++i)
    for (std::size_t j = 0; j < 4; ++j)
      for (std::size_t k = 0; k < 5; ++k)
        want[{static_cast<std::int64_t>(i), static_cast<std::int64_t>(j)}] += av[i * 5 + k] * bv[k * 4 + j];
  auto m = troupe::matmul(a, b);
  EXPECT_EQ(m.shape(), (shape_t{7, 4}));
  EXPECT_EQ(m.chunks(), (chunks_t{{3, 4}, {1, 3}}));
  EXPECT_TRUE(close_values(m.compute(client()), want, 1e-14));
  EXPECT_TRUE(close_values(troupe::dot(a, b).compute(client()), want, 1e-14));
  // a @ a.T, and integers (exact).
  auto iv = random_integers(12, 44, -9, 9);
  auto im = troupe::from_vector(iv, {3, 4}, {2, 3});
  auto gram = troupe::matmul(im, im.T());
  static_assert(std::is_same_v<decltype(gram), array<std::int64_t>>);
  dense<std::int64_t> g({3, 3}, 0);
  for (std::int64_t i = 0; i < 3; ++i)
    for (std::int64_t j = 0; j < 3; ++j)
      for (std::int64_t k = 0; k < 4; ++k)
        g[{i, j}] += iv[static_cast<std::size_t>(i * 4 + k)] * iv[static_cast<std::size_t>(j * 4 + k)];
  EXPECT_TRUE(same_values(gram.compute(client()), g));
  // float32, of transposed and sliced operands.
  std::vector<float> fv(av.begin(), av.end());
  auto f = troupe::from_vector(fv, {7, 5}, {3, 2});
  auto ft = troupe::matmul(f["::-1"]["1:"].T(), f["1:"]);  // (5, 6) @ (6, 5)
  static_assert(std::is_same_v<decltype(ft), array<float>>);
  auto got = ft.compute(client());
  for_each_index({5, 5}, [&](const index_t& k) {
    double s = 0;
    for (std::size_t r = 0; r < 6; ++r)
      s += static_cast<double>(fv[(5 - r) * 5 + static_cast<std::size_t>(k[0])])
           * static_cast<double>(fv[(r + 1) * 5 + static_cast<std::size_t>(k[1])]);
    EXPECT_NEAR(got.at(k), s, 1e-5);
  });
  try {
    (void)troupe::matmul(a, a);
    FAIL() << "(7, 5) @ (7, 5) was accepted";
  } catch (const troupe::error& e) {
    EXPECT_NE(std::string{e.what()}.find("shapes (7, 5) and (7, 5) are not aligned"), std::string::npos) << e.what();
  }
}

TEST_F(array_structure, concatenate_along_each_axis) {
  auto yv = random_values(7 * 4 * 5, 45), zv = random_values(7 * 9 * 2, 46);
  auto y = troupe::from_vector(yv, {7, 4, 5}, {2, 3, 5});  // other chunks than x's
  auto z = troupe::from_vector(zv, {7, 9, 2}, {7, 9, 1});
  auto along1 = troupe::concatenate<double>({x, y, x}, 1);
  EXPECT_EQ(along1.shape(), (shape_t{7, 22, 5}));
  EXPECT_EQ(along1.chunks()[1], (std::vector<std::int64_t>{2, 5, 2, 3, 1, 2, 5, 2}));
  dense<double> want1({7, 22, 5});
  for_each_index(want1.shape, [&](const index_t& k) {
    std::int64_t j = k[1];
    if (j < 9)
      want1[k] = dx[k];
    else if (j < 13)
      want1[k] = yv[static_cast<std::size_t>((k[0] * 4 + (j - 9)) * 5 + k[2])];
    else
      want1[k] = dx[{k[0], j - 13, k[2]}];
  });
  EXPECT_TRUE(same_values(along1.compute(client()), want1));

  auto along2 = troupe::concatenate<double>({x, z}, -1);
  EXPECT_EQ(along2.shape(), (shape_t{7, 9, 7}));
  dense<double> want2({7, 9, 7});
  for_each_index(want2.shape, [&](const index_t& k) {
    want2[k] = k[2] < 5 ? dx[k] : zv[static_cast<std::size_t>((k[0] * 9 + k[1]) * 2 + k[2] - 5)];
  });
  EXPECT_TRUE(same_values(along2.compute(client()), want2));

  // The same array twice along axis 0.
  // An empty piece adds nothing.
  auto empty = x["3:3"];
  auto padded = troupe::concatenate<double>({empty, x, empty}, 0);
  EXPECT_EQ(padded.shape(), shape);
  EXPECT_TRUE(same_values(padded.compute(client()), dx));

  auto twice = troupe::concatenate<double>({x, x}, 0).compute(client());
  EXPECT_EQ(twice.shape(), (shape_t{14, 9, 5}));
  for_each_index(shape, [&](const index_t& k) {
    EXPECT_EQ(twice.at(k), dx[k]);
    EXPECT_EQ(twice(k[0] + 7, k[1], k[2]), dx[k]);
  });
  try {
    (void)troupe::concatenate<double>({x, y}, 0);
    FAIL() << "(7, 9, 5) and (7, 4, 5) along axis 0 were accepted";
  } catch (const troupe::error& e) {
    EXPECT_NE(std::string{e.what()}.find("(7, 9, 5)"), std::string::npos) << e.what();
    EXPECT_NE(std::string{e.what()}.find("(7, 4, 5)"), std::string::npos) << e.what();
  }
}

TEST_F(array_structure, stack_along_a_new_axis) {
  auto yv = random_values(315, 47);
  auto y = troupe::from_vector(yv, shape, {4, 4, 4});
  for (int axis : {0, 1, 2, 3, -1}) {
    auto s = troupe::stack<double>({x, y, x}, axis);
    std::size_t a = axis < 0 ? 3 : static_cast<std::size_t>(axis);
    shape_t want_shape = shape;
    want_shape.insert(want_shape.begin() + static_cast<std::ptrdiff_t>(a), 3);
    EXPECT_EQ(s.shape(), want_shape);
    dense<double> want(want_shape);
    for_each_index(want_shape, [&](const index_t& k) {
      index_t src = k;
      src.erase(src.begin() + static_cast<std::ptrdiff_t>(a));
      want[k] = k[a] == 1 ? yv[dx.offset(src)] : dx[src];
    });
    EXPECT_TRUE(same_values(s.compute(client()), want)) << "axis " << axis;
  }
  try {
    (void)troupe::stack<double>({x, x(0)}, 0);
    FAIL() << "stacking (7, 9, 5) with (9, 5) was accepted";
  } catch (const troupe::error& e) {
    EXPECT_NE(std::string{e.what()}.find("(7, 9, 5) and (9, 5)"), std::string::npos) << e.what();
  }
  EXPECT_THROW((void)troupe::stack<double>({x, x}, 4), troupe::error);
}

TEST_F(array_structure, cumsum_along_each_axis) {
  for (int axis : {0, 1, 2, -1}) {
    std::size_t a = axis < 0 ? 2 : static_cast<std::size_t>(axis);
    dense<double> want = dx;
    for_each_index(shape, [&](const index_t& k) {
      if (k[a] > 0) {
        index_t prev = k;
        --prev[a];
        want[k] += want[prev];
      }
    });
    auto got = x.cumsum(axis);
    EXPECT_EQ(got.chunks(), x.chunks());
    EXPECT_TRUE(close_values(got.compute(client()), want, 1e-13)) << "axis " << axis;
  }
  // Integers and bools add up as int64, exactly.
  auto iv = random_integers(30, 48, -5, 5);
  auto i = troupe::from_vector(iv, {30}, {4});
  std::vector<std::int64_t> running(30);
  std::int64_t acc = 0, trues = 0;
  std::vector<std::int64_t> counts(30);
  for (std::size_t k = 0; k < 30; ++k) {
    running[k] = acc += iv[k];
    counts[k] = trues += iv[k] > 0;
  }
  EXPECT_TRUE(same_values(i.cumsum(0).compute(client()), dense<std::int64_t>({30}, running)));
  auto c = (i > 0).cumsum(0);
  static_assert(std::is_same_v<decltype(c), array<std::int64_t>>);
  EXPECT_TRUE(same_values(c.compute(client()), dense<std::int64_t>({30}, counts)));
}

TEST_F(array_structure, map_blocks_runs_a_user_task_per_chunk) {
  auto& c = client();
  block_calls = 0;
  auto sq = troupe::map_blocks(&square_block, x);
  EXPECT_EQ(sq.chunks(), x.chunks());
  dense<double> want = dx;
  for (auto& v : want.values)
    v *= v;
  EXPECT_TRUE(same_values(sq.compute(c), want));
  EXPECT_EQ(block_calls.load(), x.npartitions());

  // Two arrays (the second rechunked to the first's chunks) and a number.
  auto yv = random_values(315, 49);
  auto y = troupe::from_vector(yv, shape, {2, 2, 2});
  auto ws = troupe::map_blocks(&weighted_sum, x, y, 0.5);
  dense<double> w(shape);
  for (std::size_t k = 0; k < w.values.size(); ++k)
    w.values[k] = dx.values[k] + 0.5 * yv[k];
  EXPECT_TRUE(same_values(ws.compute(c), w));

  // Each task sees exactly its chunk's shape.
  auto sizes = troupe::map_blocks(&block_size, x).compute(c);
  auto chunk_length = [](const std::vector<std::int64_t>& lengths, std::int64_t i) {
    std::size_t b = 0;
    while (i >= lengths[b]) {
      i -= lengths[b];
      ++b;
    }
    return lengths[b];
  };
  for_each_index(shape, [&](const index_t& k) {
    std::int64_t n = 1;
    for (std::size_t d = 0; d < 3; ++d)
      n *= chunk_length(x.chunks()[d], k[d]);
    EXPECT_EQ(sizes.at(k), n);
  });

  // A result with other chunk lengths, said in map_options.
  auto m = troupe::from_vector(random_values(12, 50), {4, 3}, {3, 2});
  auto rows = troupe::map_blocks({.chunks = chunks_t{{6, 2}, {2, 1}}}, &repeat_rows, m);
  EXPECT_EQ(rows.shape(), (shape_t{8, 3}));
  auto r = rows.compute(c);
  auto mv = m.compute(c);
  for_each_index({8, 3}, [&](const index_t& k) { EXPECT_EQ(r.at(k), mv(k[0] / 2, k[1])); });
}

// persist computes the chunks once; later graphs start from them and do not
// run the tasks that made them again.
TEST_F(array_structure, persist_keeps_chunks_and_later_graphs_reuse_them) {
  auto& c = client();
  block_calls = 0;
  auto squared = troupe::map_blocks(&square_block, x) + 1;
  dense<double> want = dx;
  for (auto& v : want.values)
    v = v * v + 1;
  auto p = squared.persist(c);
  EXPECT_EQ(p.shape(), shape);
  EXPECT_EQ(p.chunks(), x.chunks());
  EXPECT_EQ(p.ntasks(), 0u);  // nothing left to run
  EXPECT_TRUE(same_values(p.compute(c), want));
  EXPECT_EQ(block_calls.load(), x.npartitions());

  auto total = p.sum();
  std::uint64_t before = completed_tasks(c);
  double reference = 0;
  for (double v : want.values)
    reference += v;
  EXPECT_NEAR(total.compute(c).item(), reference, 1e-9);
  EXPECT_NEAR(total.compute(c).item(), reference, 1e-9);
  auto top = (p * 2).max();
  EXPECT_EQ(top.compute(c).item(), 2 * *std::max_element(want.values.begin(), want.values.end()));
  EXPECT_EQ(block_calls.load(), x.npartitions());
  // Only the sums' and max's tasks ran: two sums, one max.
  EXPECT_EQ(completed_tasks(c) - before, 2 * total.ntasks() + top.ntasks());
}

// A persisted array is an ordinary operand: sliced, joined, stacked.
TEST_F(array_structure, persisted_arrays_combine_like_any_other) {
  auto& c = client();
  auto p = (x * 2).persist(c);
  dense<double> twice = dx;
  for (auto& v : twice.values)
    v *= 2;
  auto s = p["3:7:2, ::-4, 1"].compute(c);
  for_each_index(s.shape(), [&](const index_t& k) { EXPECT_EQ(s.at(k), (twice[{3 + 2 * k[0], 8 - 4 * k[1], 1}])); });
  auto cat = troupe::concatenate<double>({p, p}, 2).compute(c);
  auto st = troupe::stack<double>({p, x}, 1).compute(c);
  for_each_index(shape, [&](const index_t& k) {
    EXPECT_EQ(cat.at(k), twice[k]);
    EXPECT_EQ(cat(k[0], k[1], k[2] + 5), twice[k]);
    EXPECT_EQ(st(k[0], 0, k[1], k[2]), twice[k]);
    EXPECT_EQ(st(k[0], 1, k[1], k[2]), dx[k]);
  });
  // Persisting an array whose chunks repeat one another.
  auto pp = troupe::stack<double>({p, p}, 0).persist(c);
  auto q = pp.compute(c);
  for_each_index(shape, [&](const index_t& k) {
    EXPECT_EQ(q(0, k[0], k[1], k[2]), twice[k]);
    EXPECT_EQ(q(1, k[0], k[1], k[2]), twice[k]);
  });
  std::ostringstream text;
  text << p;
  EXPECT_NE(text.str().find("12 chunks" + std::string(15, ' ') + "0 tasks"), std::string::npos) << text.str();
}

// A block function that fails, or returns another shape than its chunk's,
// is an error at compute that says so; chunks that are not computed cannot fail.
TEST_F(array_structure, map_blocks_errors_reach_the_caller) {
  auto& c = client();
  auto v = troupe::arange<double>(0, 12, 1, {6});  // only 11 is above 10
  try {
    (void)troupe::map_blocks(&fails_above_10, v).sum().compute(c);
    FAIL() << "a failing block function went unnoticed";
  } catch (const troupe::task_error& e) {
    EXPECT_EQ(e.task_name(), "fails_above_10");
    EXPECT_EQ(e.exception_type(), "std::invalid_argument");
    EXPECT_EQ(e.message(), "value 11 is above 10");
  }
  // The second chunk (6 to 11) fails; the first one alone does not.
  EXPECT_EQ(troupe::map_blocks(&fails_above_10, v)[":6"].sum().compute(c).item(), 15.0);
  auto m = troupe::zeros<double>({6, 4}, {3, 2});
  EXPECT_THROW((void)troupe::map_blocks(&drop_row, m).compute(c), troupe::decode_error);
  EXPECT_THROW((void)(troupe::map_blocks(&drop_row, m) + 1).compute(c), troupe::task_error);
}

} // namespace
} // namespace array_test
