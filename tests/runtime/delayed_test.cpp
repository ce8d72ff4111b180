// Delayed graphs: composition, many graphs at once, shared parts, persist,
// visualize.
#include <gtest/gtest.h>

#include <cmath>
#include <filesystem>
#include <fstream>
#include <sstream>

#include <troupe/troupe.hpp>

#include "test_tasks.hpp"

using namespace test_tasks;

namespace {

class delayed_test : public test_tasks::cluster_test {};

std::string read_file(const std::string& path) {
  std::ifstream in{path};
  std::stringstream s;
  s << in.rdbuf();
  return s.str();
}

} // namespace

TEST_F(delayed_test, a_chain_computes_like_direct_calls) {
  auto x = troupe::delay(square)(3);
  auto y = troupe::delay(square)(4);
  auto z = troupe::delay(add)(x, y);
  auto r = troupe::delay(square_root)(z);
  EXPECT_DOUBLE_EQ(client.compute(r).get(), square_root(add(square(3), square(4))));
}

TEST_F(delayed_test, equal_calls_have_equal_keys) {
  EXPECT_EQ(troupe::delay(square)(3).key(), troupe::delay(square)(3).key());
  EXPECT_NE(troupe::delay(square)(3).key(), troupe::delay(square)(4).key());
  EXPECT_NE(troupe::delay(square, {.pure = false})(3).key(),
            troupe::delay(square, {.pure = false})(3).key());
}

TEST_F(delayed_test, many_graphs_compute_at_once) {
  std::vector<troupe::delayed<double>> results;
  for (int v = 0; v < 30; ++v) {
    auto a = troupe::delay(square)(v);
    auto b = troupe::delay(square)(v);
    results.push_back(troupe::delay(square_root)(troupe::delay(add)(a, b)));
  }
  auto got = client.gather(client.compute(results));
  ASSERT_EQ(got.size(), 30u);
  for (int v = 0; v < 30; ++v)
    EXPECT_DOUBLE_EQ(got[v], std::sqrt(2.0 * v * v));
}

TEST_F(delayed_test, a_deep_tree_reduction_matches_the_closed_form) {
  std::vector<troupe::delayed<long>> level;
  const long leaves = 4096;
  for (long i = 0; i < leaves; ++i)
    level.push_back(troupe::delay(inc)(i));
  while (level.size() > 1) {
    std::vector<troupe::delayed<long>> next;
    for (std::size_t i = 0; i + 1 < level.size(); i += 2)
      next.push_back(troupe::delay(sum_vector)(std::vector{level[i], level[i + 1]}));
    level.swap(next);
  }
  auto root = client.compute(level[0]);
  EXPECT_EQ(root.get(), leaves * (leaves + 1) / 2);
  client.sync();
  // Only the root is still held: every intermediate was freed.
  EXPECT_EQ(client.scheduler_info().memory, 1u);
}

TEST_F(delayed_test, a_long_chain_does_not_overflow_anything) {
  auto x = troupe::delay(inc)(0L);
  for (int i = 0; i < 100'000; ++i)
    x = troupe::delay(inc_after)(x);
  EXPECT_EQ(client.compute(x).get(), 100'001);
}

TEST_F(delayed_test, persist_keeps_a_result_for_later_graphs) {
  counted_calls = 0;
  auto base = troupe::delay(counted, {.pure = false})(21L);
  auto kept = client.persist(base);
  auto a = troupe::delay(inc_after)(kept);
  auto b = troupe::delay(sum_vector)(std::vector{kept, kept});
  EXPECT_EQ(client.compute(a).get(), 22);
  EXPECT_EQ(client.compute(b).get(), 42);
  EXPECT_EQ(counted_calls.load(), 1);  // computed once
}

TEST_F(delayed_test, delayed_and_futures_mix) {
  auto f = client.submit(square, 5);
  auto d = troupe::delay(add)(f, troupe::delay(square)(2));
  EXPECT_EQ(client.compute(d).get(), 29);
}

TEST_F(delayed_test, visualize_writes_the_graph) {
  auto x = troupe::delay(square)(3);
  auto r = troupe::delay(add)(x, troupe::delay(square)(4));
  auto dir = std::filesystem::temp_directory_path() / ("troupe-viz-" + std::to_string(getpid()));
  std::filesystem::create_directories(dir);
  auto written = r.visualize((dir / "graph.dot").string());
  std::string dot = read_file(written);
  EXPECT_NE(dot.find("digraph"), std::string::npos);
  EXPECT_NE(dot.find(x.key() + "\" -> \"" + r.key()), std::string::npos) << dot;
  EXPECT_NE(dot.find("label=\"square\""), std::string::npos);
  // An SVG when Graphviz is installed (tools/install-deps installs it).
  auto svg = r.visualize((dir / "graph.svg").string());
  if (std::system("command -v dot >/dev/null 2>&1") == 0) {
    EXPECT_EQ(svg, (dir / "graph.svg").string());
    EXPECT_NE(read_file(svg).find("<svg"), std::string::npos);
  } else {
    EXPECT_EQ(svg, (dir / "graph.dot").string());
  }
  std::filesystem::remove_all(dir);
}
