// local_cluster: start, print, scale up and down (results move, nothing is
// recomputed), clients come and go.
#include <thread>

#include <gtest/gtest.h>

#include <filesystem>
#include <numeric>
#include <sstream>

#include <troupe/troupe.hpp>

#include "test_tasks.hpp"

using namespace std::chrono_literals;
using namespace test_tasks;

TEST(local_cluster, starts_with_the_requested_workers_and_threads) {
  troupe::local_cluster cluster{{.n_workers = 3, .threads_per_worker = 2}};
  auto info = cluster.info();
  ASSERT_EQ(info.workers.size(), 3u);
  EXPECT_EQ(info.total_threads(), 6u);
  for (auto& w : info.workers) {
    EXPECT_EQ(w.nthreads, 2u);
    EXPECT_GT(w.memory_limit, 0u);
  }
  std::ostringstream text;
  text << cluster;
  EXPECT_NE(text.str().find("workers=3"), std::string::npos) << text.str();
  EXPECT_NE(text.str().find("threads=6"), std::string::npos) << text.str();
  EXPECT_NE(text.str().find(cluster.scheduler_address()), std::string::npos);
  std::ostringstream table;
  table << info;
  EXPECT_NE(table.str().find("local-worker-2"), std::string::npos) << table.str();
}

TEST(local_cluster, scale_up_adds_workers_that_take_work) {
  troupe::local_cluster cluster{{.n_workers = 1}};
  troupe::client client{cluster};
  cluster.scale(3);
  client.wait_for_workers(3, 10s);
  EXPECT_EQ(cluster.info().workers.size(), 3u);
  std::vector<long> xs(3000);
  std::iota(xs.begin(), xs.end(), 0L);
  auto fs = client.map(counted_vector, xs);
  client.gather(fs);
  client.sync();
  int busy = 0;
  for (auto& w : client.scheduler_info().workers)
    busy += w.n_keys > 0 ? 1 : 0;
  EXPECT_GE(busy, 2) << "work should spread over the new workers";
}

TEST(local_cluster, scale_down_moves_results_and_recomputes_nothing) {
  troupe::local_cluster cluster{{.n_workers = 3, .threads_per_worker = 1}};
  troupe::client client{cluster};
  counted_calls = 0;
  std::vector<long> xs(600);
  std::iota(xs.begin(), xs.end(), 0L);
  auto fs = client.map(counted_vector, xs);  // 128-byte results: kept on workers only
  ASSERT_TRUE(troupe::wait(fs, 10s).not_done.empty());
  client.sync();
  EXPECT_EQ(counted_calls.load(), 600);

  cluster.scale(1);
  auto info = client.scheduler_info();
  ASSERT_EQ(info.workers.size(), 1u);
  EXPECT_EQ(info.workers[0].n_keys, 600u);
  EXPECT_EQ(info.memory, 600u);

  auto results = client.gather(fs);  // fetched from where they moved
  for (std::size_t i = 0; i < xs.size(); ++i)
    ASSERT_EQ(results[i], std::vector<long>(16, xs[i])) << i;
  EXPECT_EQ(counted_calls.load(), 600);  // nothing recomputed

  // And the remaining worker uses the moved results as inputs.
  auto total = client.submit(sum_vector, client.submit(counted_vector, 5L));
  EXPECT_EQ(total.get(10s), 80);
}

TEST(local_cluster, scale_down_then_up_again_keeps_working) {
  troupe::local_cluster cluster{{.n_workers = 2}};
  troupe::client client{cluster};
  auto kept = client.submit(make_vector, 100L);
  EXPECT_EQ(kept.get().size(), 100u);
  cluster.scale(1);
  cluster.scale(4);
  client.wait_for_workers(4, 10s);
  EXPECT_EQ(client.submit(sum_vector, kept).get(10s), 4950);
  std::vector<long> xs(1000);
  std::iota(xs.begin(), xs.end(), 0L);
  auto rs = client.gather(client.map(inc, xs));
  EXPECT_EQ(std::accumulate(rs.begin(), rs.end(), 0L), 1000L * 1001 / 2);
}

// Dask's cluster.adapt: from 1 worker to the maximum under load, and back
// to the minimum when idle, each within a few decisions; the retired
// workers hand their results over, so nothing runs twice.
TEST(local_cluster, adapt_grows_under_load_and_shrinks_when_idle_recomputing_nothing) {
  reset_gates();
  troupe::local_cluster cluster{{.n_workers = 1, .threads_per_worker = 1}};
  cluster.adapt({.minimum = 1, .maximum = 4, .target_duration = 1s, .interval = 100ms,
                 .wait_count = 3});
  troupe::client client{cluster};
  auto workers = [&] { return client.scheduler_info().workers.size(); };
  auto wait_for = [&](auto done) {  // polls the scheduler, 20 s at most
    auto deadline = std::chrono::steady_clock::now() + 20s;
    while (!done() && std::chrono::steady_clock::now() < deadline)
      std::this_thread::yield();
  };
  // Load: 40 tasks that wait on a gate, of a function never run (0.5 s
  // each, 20 s in all): more than 1 s of work for 4 workers.
  std::vector<int> ones(40, 1);
  auto blocked = client.map(gated, ones, {.pure = false});
  wait_for([&] { return workers() == 4; });
  EXPECT_EQ(workers(), 4u);
  open_gate(1);
  for (auto& f : blocked)
    EXPECT_EQ(f.get(10s), 1);
  counted_calls = 0;
  std::vector<long> xs(400);
  std::iota(xs.begin(), xs.end(), 0L);
  auto fs = client.map(counted_vector, xs);  // kept on the workers
  auto got = client.gather(fs);
  for (std::size_t i = 0; i < xs.size(); ++i)
    ASSERT_EQ(got[i], std::vector<long>(16, xs[i])) << i;
  // Idle: three decisions 100 ms apart, then down to the minimum.
  wait_for([&] { return workers() == 1; });
  auto info = client.scheduler_info();
  ASSERT_EQ(info.workers.size(), 1u);
  EXPECT_EQ(info.workers[0].n_keys, 400u + 40u);  // every result moved to the one left
  EXPECT_EQ(client.gather(fs), got);
  EXPECT_EQ(counted_calls.load(), 400);  // nothing ran twice
}

TEST(local_cluster, adapt_options_are_checked) {
  troupe::local_cluster cluster{{.n_workers = 1, .threads_per_worker = 1}};
  try {
    cluster.adapt({.minimum = 3, .maximum = 2});
    FAIL() << "maximum < minimum was accepted";
  } catch (const troupe::config_error& e) {
    EXPECT_STREQ(e.what(), "troupe: adapt: maximum (2) must be at least minimum (3)");
  }
  EXPECT_THROW(cluster.adapt({.minimum = 0, .maximum = 2, .interval = 0s}), troupe::config_error);
  EXPECT_THROW(cluster.adapt({.minimum = 0, .maximum = 2, .wait_count = 0}), troupe::config_error);
}

TEST(local_cluster, several_clients_share_a_cluster_and_keys) {
  troupe::local_cluster cluster{{.n_workers = 2}};
  auto a = cluster.get_client();
  auto b = cluster.get_client();
  counted_calls = 0;
  auto fa = a.submit(counted, 40L);
  auto fb = b.submit(counted, 40L);
  EXPECT_EQ(fa.get(10s), 40);
  EXPECT_EQ(fb.get(10s), 40);
  EXPECT_EQ(counted_calls.load(), 1);  // same pure key: one run
  a.close();
  EXPECT_THROW(a.submit(square, 1), troupe::connection_error);
  // b's future survives a's departure.
  EXPECT_EQ(b.submit(inc_after, fb).get(10s), 41);
}

TEST(local_cluster, futures_outlive_their_client_once_finished) {
  troupe::local_cluster cluster{{.n_workers = 1}};
  troupe::future<int> f;
  {
    troupe::client client{cluster};
    f = client.submit(square, 12);
    EXPECT_EQ(f.get(10s), 144);
  }
  EXPECT_EQ(f.get(), 144);  // the value was fetched before the client closed
}

TEST(local_cluster, printing_a_client_shows_the_cluster) {
  troupe::local_cluster cluster{{.n_workers = 2, .threads_per_worker = 1}};
  troupe::client client{cluster};
  std::ostringstream text;
  text << client;
  EXPECT_NE(text.str().find("workers=2"), std::string::npos) << text.str();
  EXPECT_NE(text.str().find("threads=2"), std::string::npos) << text.str();
}

namespace {
std::size_t thread_count() {
  std::size_t n = 0;
  for ([[maybe_unused]] auto& e : std::filesystem::directory_iterator("/proc/self/task"))
    ++n;
  return n;
}
} // namespace

TEST(local_cluster, leaving_scope_leaves_no_thread_behind) {
  auto before = thread_count();
  {
    troupe::local_cluster cluster{{.n_workers = 3, .threads_per_worker = 2}};
    troupe::client client{cluster};
    EXPECT_GT(thread_count(), before + 6);  // at least the 6 task threads
    EXPECT_EQ(client.submit(square, 4).get(10s), 16);
  }
  // A joined thread can still be listed in /proc for a moment: the kernel
  // wakes the joiner before it has unlinked the thread. Give it a bounded
  // time to disappear; a thread really left behind never does.
  auto deadline = std::chrono::steady_clock::now() + 5s;
  while (thread_count() != before && std::chrono::steady_clock::now() < deadline)
    std::this_thread::yield();
  EXPECT_EQ(thread_count(), before);
}
