// The graph an array becomes: element-wise chains fused into one task per
// chunk, reductions as trees, only the chunks a result needs (culling),
// prioritised in the order the result reads them; ntasks() as what runs;
// metadata and the summary table without computing; the chunk-size warning.
#include <gtest/gtest.h>

#include <mutex>
#include <sstream>

#include <spdlog/sinks/ostream_sink.h>

#include "common/logging.hpp"
#include "dense_reference.hpp"

// Record the order in which chunks are produced and consumed: a chunk's
// first element says which chunk it is.
std::mutex order_mutex;
std::vector<std::string> order;

troupe::block<double> produce(troupe::block<double> b) {
  std::lock_guard lock{order_mutex};
  order.push_back("p" + std::to_string(static_cast<int>(b.data[0])));
  return b;
}
troupe::block<double> consume(troupe::block<double> b) {
  std::lock_guard lock{order_mutex};
  order.push_back("c" + std::to_string(static_cast<int>(b.data[0])));
  return b;
}
TROUPE_TASK(produce, consume);

namespace array_test {
namespace {

using troupe::array;
using troupe::shape_t;

// A fresh cluster per test: the scheduler's count of completed tasks then
// belongs to this test alone.
class array_graph : public ::testing::Test {
protected:
  troupe::local_cluster cluster{{.n_workers = 2, .threads_per_worker = 1}};
  troupe::client c{cluster};

  // Computes `a`; the number of tasks the scheduler ran meanwhile.
  template <class T>
  std::uint64_t tasks_run(const array<T>& a, troupe::ndarray<T>* out = nullptr) {
    std::uint64_t before = completed_tasks(c);
    auto r = a.compute(c);
    if (out)
      *out = std::move(r);
    return completed_tasks(c) - before;
  }
};

TEST_F(array_graph, an_element_wise_chain_is_one_task_per_chunk) {
  auto x = troupe::random::uniform({400, 300}, {100, 300}, 0.0, 1.0, {.seed = 8});
  ASSERT_EQ(x.npartitions(), 4);
  troupe::ndarray<double> dx;
  EXPECT_EQ(tasks_run(x, &dx), 4u);

  auto y = (x * 2 + 1) * x;
  EXPECT_EQ(y.ntasks(), 4u);
  troupe::ndarray<double> dy;
  EXPECT_EQ(tasks_run(y, &dy), 4u);
  for (std::size_t k = 0; k < dy.size(); ++k)
    ASSERT_EQ(dy.values()[k], (dx.values()[k] * 2 + 1) * dx.values()[k]);

  // The reduction reads the fused chain in its chunk tasks: one task per
  // chunk plus the final aggregation, nothing per operation.
  auto s = ((x * 2 + 1) * x).sum();
  EXPECT_EQ(s.ntasks(), 5u);
  troupe::ndarray<double> ds;
  EXPECT_EQ(tasks_run(s, &ds), 5u);
  double want = 0;
  for (double v : dx.values())
    want += (v * 2 + 1) * v;
  EXPECT_NEAR(ds.item(), want, 1e-9 * want);

  // Transposes, slices and scalars fuse too; so does a long chain.
  auto z = ((x.T() * 2)["::2"] + 1) - troupe::sqrt(x.T()["::2"]);
  EXPECT_EQ(z.ntasks(), static_cast<std::size_t>(z.npartitions()));
  EXPECT_EQ(tasks_run(z), static_cast<std::uint64_t>(z.npartitions()));
  auto chain = x;
  for (int k = 0; k < 20; ++k)
    chain = chain * 1.01 + 0.5;
  EXPECT_EQ(tasks_run(chain), 4u);
}

// Reduction trees: split_every partial results per combining task; the
// last level is the aggregation itself.
TEST_F(array_graph, reduction_trees_have_the_expected_number_of_tasks) {
  struct tree {
    std::int64_t chunks;
    int split;
    std::size_t tasks;
  };
  for (auto t : {tree{1, 8, 1}, tree{4, 8, 5}, tree{8, 8, 9}, tree{8, 2, 8 + 4 + 2 + 1},
                 tree{9, 3, 9 + 3 + 1}, tree{64, 8, 64 + 8 + 1}, tree{27, 3, 27 + 9 + 3 + 1}}) {
    auto x = troupe::random::normal({t.chunks * 5}, {5}, 0.0, 1.0, {.seed = static_cast<std::uint64_t>(t.chunks * 10 + t.split)});
    auto s = x.sum({}, {.split_every = t.split});
    EXPECT_EQ(s.ntasks(), t.tasks) << t.chunks << " chunks, split_every " << t.split;
    troupe::ndarray<double> got;
    EXPECT_EQ(tasks_run(s, &got), s.ntasks()) << t.chunks << " chunks, split_every " << t.split;
    double want = 0;
    auto values = x.compute(c);
    for (double v : values.values())
      want += v;
    EXPECT_NEAR(got.item(), want, 1e-12 * static_cast<double>(t.chunks * 5));
  }
}

// ntasks() is what compute() runs, for every kind of operation.
TEST_F(array_graph, ntasks_counts_the_tasks_that_run) {
  auto x = troupe::random::uniform({30, 20}, {7, 6}, 0.0, 1.0, {.seed = 12});
  auto y = troupe::random::normal({20, 30}, {5, 10}, 0.0, 1.0, {.seed = 13});
  auto row = troupe::random::uniform({1, 20}, {1, 8}, 0.0, 1.0, {.seed = 14});
  auto check = [&](const char* what, const auto& a) {
    std::uint64_t expected = a.ntasks();
    EXPECT_EQ(tasks_run(a), expected) << what;
  };
  check("rechunk", x.rechunk({10, 10}));
  check("matmul", troupe::matmul(x, y));
  check("cumsum", x.cumsum(0));
  check("concatenate", troupe::concatenate<double>({x, y.T()}, 1));
  check("stack", troupe::stack<double>({x, x * 2}, 2));
  check("broadcast", x - row * 2);
  check("map_blocks", troupe::map_blocks(&produce, x).sum(0));
  check("argmax", x.T().argmax(1, {.split_every = 2}));
}

// Only the chunks that the result reads are computed.
TEST_F(array_graph, slicing_computes_only_the_chunks_it_touches) {
  auto x = troupe::random::uniform({1000}, {10}, 0.0, 1.0, {.seed = 9});
  ASSERT_EQ(x.npartitions(), 100);
  auto all = x.compute(c);

  auto head = x[":10"];
  EXPECT_EQ(head.ntasks(), 1u);
  troupe::ndarray<double> h;
  EXPECT_EQ(tasks_run(head, &h), 1u);
  EXPECT_TRUE(same_values(h, dense<double>({10}, std::vector<double>(all.values().begin(), all.values().begin() + 10))));

  auto middle = (x + 1)["5:25"];
  EXPECT_EQ(middle.ntasks(), 3u);
  troupe::ndarray<double> m;
  EXPECT_EQ(tasks_run(middle, &m), 3u);
  for (std::int64_t k = 0; k < 20; ++k)
    EXPECT_EQ(m(k), all(k + 5) + 1);

  EXPECT_EQ(x[":10"].sum().ntasks(), 1u);
  EXPECT_EQ(tasks_run(x[":10"].sum()), 1u);
  EXPECT_EQ(tasks_run(x["-1"]), 1u);

  // Two dimensions: one row of chunks, one column of chunks.
  auto g = troupe::random::uniform({100, 100}, {10, 10}, 0.0, 1.0, {.seed = 10});
  EXPECT_EQ(tasks_run(g["3, :"]), 10u);
  EXPECT_EQ(tasks_run(g.T()[":, 95:"]), 10u);
  EXPECT_EQ(tasks_run(g["::50, 0"]), 2u);
}

// Tasks are appended in the order the result needs them, and that order is
// their priority: with one thread, chunks are produced in the order in which
// the transposed result (C order) reads them, not in their own C order.
TEST(array_graph_order, chunks_are_made_in_the_order_the_result_reads_them) {
  troupe::local_cluster cluster{{.n_workers = 1, .threads_per_worker = 1}};
  troupe::client c{cluster};
  {
    std::lock_guard lock{order_mutex};
    order.clear();
  }
  auto x = troupe::from_vector(std::vector<double>{0, 1, 2, 3, 4, 5}, {3, 2}, {1, 1});
  auto y = troupe::map_blocks(&consume, troupe::map_blocks(&produce, x).T());
  auto values = y.compute(c);
  EXPECT_EQ(values.shape(), (shape_t{2, 3}));
  std::vector<std::string> produced, consumed;
  std::lock_guard lock{order_mutex};
  for (auto& o : order)
    (o[0] == 'p' ? produced : consumed).push_back(o);
  EXPECT_EQ(produced, (std::vector<std::string>{"p0", "p2", "p4", "p1", "p3", "p5"}));
  EXPECT_EQ(consumed, (std::vector<std::string>{"c0", "c2", "c4", "c1", "c3", "c5"}));
}

TEST_F(array_graph, metadata_and_the_summary_table_need_no_computation) {
  std::uint64_t before = completed_tasks(c);
  auto big = troupe::random::uniform({600, 200, 200}, {300, 100, 200});
  EXPECT_EQ(big.shape(), (shape_t{600, 200, 200}));
  EXPECT_EQ(big.chunks(), (troupe::chunks_t{{300, 300}, {100, 100}, {200}}));
  EXPECT_EQ(big.dtype(), troupe::dtype::float64);
  EXPECT_EQ(big.ndim(), 3u);
  EXPECT_EQ(big.size(), 24'000'000);
  EXPECT_EQ(big.nbytes(), 192'000'000);
  EXPECT_EQ(big.npartitions(), 4);
  EXPECT_EQ(big.ntasks(), 4u);

  auto flags = big > 0.5;
  EXPECT_EQ(flags.dtype(), troupe::dtype::boolean);
  EXPECT_EQ(flags.nbytes(), 24'000'000);
  auto f = big.astype<float>();
  EXPECT_EQ(f.dtype(), troupe::dtype::float32);
  EXPECT_EQ(f.nbytes(), 96'000'000);
  auto counts = flags.sum(0);
  EXPECT_EQ(counts.dtype(), troupe::dtype::int64);
  EXPECT_EQ(counts.shape(), (shape_t{200, 200}));
  auto kept = big.mean({0, 2}, {.keepdims = true});
  EXPECT_EQ(kept.shape(), (shape_t{1, 200, 1}));
  EXPECT_EQ(kept.chunks(), (troupe::chunks_t{{1}, {100, 100}, {1}}));
  auto sliced = big["::7, 150:, -1"].T();
  EXPECT_EQ(sliced.shape(), (shape_t{50, 86}));
  EXPECT_EQ(sliced.chunks(), (troupe::chunks_t{{50}, {43, 43}}));
  EXPECT_EQ(sliced.npartitions(), 2);
  auto cat = troupe::concatenate<double>({big, big}, 2);
  EXPECT_EQ(cat.shape(), (shape_t{600, 200, 400}));
  EXPECT_EQ(cat.npartitions(), 8);
  EXPECT_EQ(cat.ntasks(), 4u);  // the same chunks twice

  std::ostringstream text;
  text << big;
  EXPECT_EQ(text.str(),
            "troupe::array<float64, shape=(600, 200, 200), chunksize=(300, 100, 200)>\n"
            "          Array                   Chunk\n"
            "  Bytes   183.1 MiB               45.78 MiB\n"
            "  Shape   (600, 200, 200)         (300, 100, 200)\n"
            "  Count   4 chunks                4 tasks\n"
            "  Type    float64                 \n");
  std::ostringstream reduced;
  reduced << (big * 2 + 1).sum(0);
  EXPECT_NE(reduced.str().find("shape=(200, 200), chunksize=(100, 200)"), std::string::npos) << reduced.str();
  EXPECT_NE(reduced.str().find("Bytes   312.5 KiB               156.2 KiB"), std::string::npos) << reduced.str();
  EXPECT_NE(reduced.str().find("Count   2 chunks                6 tasks"), std::string::npos) << reduced.str();
  std::ostringstream small;
  small << (troupe::arange<std::int64_t>(0, 10, 1, {4}) < 3);
  EXPECT_NE(small.str().find("troupe::array<bool, shape=(10,), chunksize=(4,)>"), std::string::npos) << small.str();
  EXPECT_NE(small.str().find("Bytes   10 B                    4 B"), std::string::npos) << small.str();
  EXPECT_NE(small.str().find("Count   3 chunks                3 tasks"), std::string::npos) << small.str();

  EXPECT_EQ(completed_tasks(c), before);  // nothing ran
}

// Without a client, compute() and persist() use the most recently connected
// one: here the fixture's, whose count of tasks goes up.
TEST_F(array_graph, compute_without_a_client_uses_the_last_connected_one) {
  auto x = troupe::arange<double>(0, 10, 1, {3});
  std::uint64_t before = completed_tasks(c);
  EXPECT_EQ(x.sum().compute().item(), 45.0);
  auto p = (x * 2).persist();
  EXPECT_EQ(p.compute().values(), (std::vector<double>{0, 2, 4, 6, 8, 10, 12, 14, 16, 18}));
  EXPECT_EQ(completed_tasks(c) - before, x.sum().ntasks() + 4);
}

// The chunk-size advice goes to troupe's logger (spdlog's default logger):
// replaced here by one that writes into a string.
class captured_log {
public:
  captured_log() {
    troupe::internal::init_logging();  // else it would replace ours on first use
    previous_ = spdlog::default_logger();
    auto sink = std::make_shared<spdlog::sinks::ostream_sink_mt>(text_);
    sink->set_pattern("%l: %v");
    spdlog::set_default_logger(std::make_shared<spdlog::logger>("captured", sink));
  }
  ~captured_log() { spdlog::set_default_logger(previous_); }
  captured_log(const captured_log&) = delete;
  captured_log& operator=(const captured_log&) = delete;

  /// Lines about array chunks logged so far; forgets them.
  std::vector<std::string> take() {
    std::vector<std::string> lines;
    std::istringstream in{text_.str()};
    for (std::string line; std::getline(in, line);)
      if (line.find("troupe::array of shape") != std::string::npos)
        lines.push_back(line);
    text_.str("");
    return lines;
  }

private:
  std::ostringstream text_;
  std::shared_ptr<spdlog::logger> previous_;
};

TEST(array_chunk_warning, once_per_array_with_chunks_under_1_mib_or_over_512_mib) {
  captured_log log;
  auto x = troupe::random::uniform({1000}, {10});
  auto lines = log.take();
  ASSERT_EQ(lines.size(), 1u);
  EXPECT_EQ(lines[0].rfind("warning: troupe::array of shape (1000,) has chunks of 80 B (under 1 MiB)", 0), 0u) << lines[0];
  EXPECT_NE(lines[0].find("consider .rechunk((1000,))"), std::string::npos) << lines[0];

  // Arrays made from it are not warned about again, nor are the arrays in
  // other chunks that operations make to line operands up.
  auto y = (x * 2 + 1)[":500"].sum();
  (void)y;
  EXPECT_TRUE(log.take().empty());
  auto a = troupe::zeros<double>({100, 100}, {10, 10});
  auto b = troupe::ones<double>({100, 100}, {20, 30});
  EXPECT_EQ(log.take().size(), 2u);
  (void)(a + b);
  (void)troupe::matmul(a, b);
  (void)troupe::stack<double>({a, b});
  (void)troupe::concatenate<double>({a, b});
  (void)troupe::where(a > 0, a, b);
  EXPECT_TRUE(log.take().empty());
  // A rechunk is a new array with its own chunks.
  (void)x.rechunk({100});
  lines = log.take();
  ASSERT_EQ(lines.size(), 1u);
  EXPECT_NE(lines[0].find("has chunks of 800 B"), std::string::npos) << lines[0];

  // Chunks of 8 MB, or a single small chunk: no advice.
  (void)troupe::zeros<double>({1000, 2000}, {500, 2000});
  (void)troupe::ones<double>({10}, {10});
  EXPECT_TRUE(log.take().empty());

  // One chunk of 3.2 GB (nothing is allocated until compute).
  auto huge = troupe::zeros<double>({20000, 20000}, {-1, -1});
  lines = log.take();
  ASSERT_EQ(lines.size(), 1u);
  EXPECT_NE(lines[0].find("has chunks of 2.98 GiB (over 512 MiB)"), std::string::npos) << lines[0];
  EXPECT_EQ(huge.nbytes(), 3'200'000'000);
}

} // namespace
} // namespace array_test
