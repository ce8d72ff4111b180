// Futures on an in-process cluster: submit, map, gather, edges, waiting,
// as_completed, cancel, retries, pure keys and reference counting.
#include <gtest/gtest.h>

#include <numeric>

#include <troupe/troupe.hpp>

#include "test_tasks.hpp"

using namespace std::chrono_literals;
using namespace test_tasks;

namespace {

class futures_test : public test_tasks::cluster_test {};

} // namespace

TEST_F(futures_test, submit_returns_the_result) {
  auto f = client.submit(square, 7);
  EXPECT_EQ(f.get(), 49);
  EXPECT_TRUE(f.done());
  EXPECT_EQ(f.status(), troupe::future_status::finished);
  EXPECT_EQ(f.key().rfind("square-", 0), 0u) << f.key();
}

TEST_F(futures_test, map_of_100k_tasks_returns_every_result) {
  std::vector<long> xs(100'000);
  std::iota(xs.begin(), xs.end(), 0L);
  auto fs = client.map(inc, xs);
  ASSERT_EQ(fs.size(), xs.size());
  auto results = client.gather(fs);
  ASSERT_EQ(results.size(), xs.size());
  for (std::size_t i = 0; i < xs.size(); ++i)
    ASSERT_EQ(results[i], xs[i] + 1) << "at " << i;
}

TEST_F(futures_test, a_future_argument_is_an_edge_and_its_data_stays_on_the_workers) {
  auto big = client.submit(make_vector, 1000L);  // 8 KB: never sent inline
  auto total = client.submit(sum_vector, big);
  EXPECT_EQ(total.get(), 999L * 1000 / 2);
  // The client never fetched `big`: the worker got it from the worker.
  EXPECT_FALSE(big.state()->has_data);
  EXPECT_EQ(big.get().size(), 1000u);  // fetched now, on request
}

TEST_F(futures_test, a_vector_of_futures_is_one_argument) {
  std::vector<troupe::future<long>> parts;
  for (long i = 0; i < 10; ++i)
    parts.push_back(client.submit(inc, i));
  EXPECT_EQ(client.submit(sum_vector, parts).get(), 55);
}

TEST_F(futures_test, get_times_out_while_the_task_waits) {
  auto f = client.submit(gated, 1);
  EXPECT_THROW(f.get(50ms), troupe::timeout_error);
  open_gate(1);
  EXPECT_EQ(f.get(10s), 1);
}

TEST_F(futures_test, wait_says_which_futures_are_done) {
  std::vector<troupe::future<int>> fs{client.submit(square, 3), client.submit(gated, 2)};
  fs[0].get();
  auto r = troupe::wait(fs, 50ms);
  ASSERT_EQ(r.done.size(), 1u);
  ASSERT_EQ(r.not_done.size(), 1u);
  EXPECT_EQ(r.done[0].get(), 9);
  open_gate(2);
  r = troupe::wait(fs, 10s);
  EXPECT_EQ(r.done.size(), 2u);
}

TEST(as_completed, yields_futures_in_the_order_they_finish) {
  reset_gates();
  troupe::local_cluster cluster{{.n_workers = 1, .threads_per_worker = 3}};
  troupe::client client{cluster};
  std::vector<troupe::future<int>> fs{client.submit(gated, 11), client.submit(gated, 12),
                                      client.submit(gated, 13)};
  troupe::as_completed<int> ac{fs, std::chrono::seconds(10)};
  std::vector<int> order;
  for (int gate : {12, 13, 11}) {
    open_gate(gate);
    auto f = ac.next();
    ASSERT_TRUE(f.has_value());
    order.push_back(f->get());
  }
  EXPECT_EQ(order, (std::vector<int>{12, 13, 11}));
  EXPECT_FALSE(ac.next().has_value());
}

TEST(as_completed, iterates_with_range_for) {
  troupe::local_cluster cluster{{.n_workers = 2}};
  troupe::client client{cluster};
  auto fs = client.map(inc, std::vector<long>{1, 2, 3, 4});
  long sum = 0;
  int n = 0;
  for (auto& f : troupe::as_completed(fs)) {
    sum += f.get();
    ++n;
  }
  EXPECT_EQ(n, 4);
  EXPECT_EQ(sum, 2 + 3 + 4 + 5);
}

TEST_F(futures_test, cancel_fails_the_future_and_its_dependents) {
  auto blocker = client.submit(gated, 3);
  auto dependent = client.submit(inc_after, client.submit(sum_vector, std::vector<troupe::future<long>>{}));
  auto waiting = client.submit(inc_after, client.submit({.pure = false}, counted, 1L));
  auto chained = client.submit(gated, 4);
  auto after = client.submit(square, chained);
  after.cancel();
  EXPECT_THROW(after.get(10s), troupe::cancelled_error);
  open_gate(3);
  open_gate(4);
  EXPECT_EQ(blocker.get(10s), 3);
  EXPECT_EQ(chained.get(10s), 4);  // cancelling a dependent leaves its input alone
  EXPECT_EQ(dependent.get(10s), 1);
  EXPECT_EQ(waiting.get(10s), 2);
}

TEST_F(futures_test, cancelling_an_input_cancels_what_depends_on_it) {
  auto input = client.submit(gated, 5);
  auto user = client.submit(square, input);
  client.cancel(std::vector<troupe::future<int>>{input});
  EXPECT_THROW(input.get(10s), troupe::cancelled_error);
  EXPECT_THROW(user.get(10s), troupe::cancelled_error);
  open_gate(5);
  EXPECT_EQ(client.submit(square, 6).get(10s), 36);  // the cluster goes on
}

TEST_F(futures_test, retries_run_a_failing_task_again) {
  flaky_calls = 0;
  flaky_failures = 2;
  auto ok = client.submit({.pure = false, .retries = 2}, flaky, 7L);
  EXPECT_EQ(ok.get(10s), 7);
  EXPECT_EQ(flaky_calls.load(), 3);

  flaky_calls = 0;
  flaky_failures = 2;
  auto bad = client.submit({.pure = false, .retries = 1}, flaky, 8L);
  EXPECT_THROW(bad.get(10s), troupe::task_error);
  EXPECT_EQ(flaky_calls.load(), 2);
}

TEST_F(futures_test, pure_keys_run_once_and_impure_calls_run_each_time) {
  counted_calls = 0;
  auto a = client.submit(counted, 5L);
  auto b = client.submit(counted, 5L);
  EXPECT_EQ(a.key(), b.key());
  EXPECT_EQ(a.state(), b.state());  // one state per key per client
  EXPECT_EQ(a.get(), 5);
  EXPECT_EQ(b.get(), 5);
  EXPECT_EQ(counted_calls.load(), 1);

  auto c = client.submit({.pure = false}, counted, 5L);
  auto d = client.submit({.pure = false}, counted, 5L);
  EXPECT_NE(c.key(), d.key());
  c.get();
  d.get();
  EXPECT_EQ(counted_calls.load(), 3);
}

TEST_F(futures_test, dropping_the_last_future_frees_the_result_on_the_worker) {
  auto f = client.submit(make_vector, 10'000L);
  EXPECT_EQ(f.get().size(), 10'000u);
  auto copy = f;
  client.sync();
  auto info = client.scheduler_info();
  EXPECT_EQ(info.memory, 1u);
  EXPECT_EQ(info.total_managed_bytes(), troupe::pack(make_vector(10'000)).size());
  f = {};
  client.sync();
  EXPECT_EQ(client.scheduler_info().memory, 1u);  // `copy` still holds it
  copy = {};
  client.sync();
  info = client.scheduler_info();
  EXPECT_EQ(info.memory, 0u);
  EXPECT_EQ(info.total_managed_bytes(), 0u);
  for (auto& w : info.workers)
    EXPECT_EQ(w.n_keys, 0u) << w.name;
}

TEST_F(futures_test, intermediate_results_are_freed_once_their_dependents_ran) {
  auto a = client.submit(make_vector, 100L);
  auto total = client.submit(sum_vector, a);
  a = {};
  EXPECT_EQ(total.get(), 4950);
  client.sync();
  auto info = client.scheduler_info();
  EXPECT_EQ(info.memory, 1u);  // only `total`
}

TEST_F(futures_test, scatter_places_data_for_later_tasks) {
  auto data = client.scatter(std::vector<long>{1, 2, 3, 4});
  EXPECT_EQ(data.get(), (std::vector<long>{1, 2, 3, 4}));
  EXPECT_EQ(client.submit(sum_vector, data).get(), 10);
}

TEST_F(futures_test, run_calls_a_function_on_every_worker) {
  auto pids = client.run(pid);
  auto info = client.scheduler_info();
  ASSERT_EQ(pids.size(), info.workers.size());
  for (auto& w : info.workers) {
    ASSERT_EQ(pids.count(w.name), 1u) << w.name;
    EXPECT_EQ(pids[w.name], static_cast<int>(getpid()));  // threads of this process
  }
}

TEST_F(futures_test, wait_for_workers_times_out_when_too_few_exist) {
  client.wait_for_workers(2, 10s);
  EXPECT_THROW(client.wait_for_workers(5, 100ms), troupe::timeout_error);
}
