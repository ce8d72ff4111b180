// Adaptive scaling's decisions, on the scheduler's state driven directly:
// the target from queued work and memory, up at once, down after
// wait_count agreeing decisions, the least-loaded workers named to retire.
#include <gtest/gtest.h>

#include "scheduler/adaptive.hpp"
#include "scheduler_test_support.hpp"

using namespace troupe::internal;
using namespace troupe::internal::test_support;

namespace {

// n independent tasks of `name`, wanted by a new client.
void submit_roots(scheduler_state& s, int n, const std::string& name, outbox& out) {
  auto c = s.add_client();
  batch_builder b;
  for (int i = 0; i < n; ++i)
    b.batch.wanted.push_back(b.add(name, i));
  s.submit(c, b.batch, out);
}

adapt_policy policy(std::uint32_t minimum, std::uint32_t maximum) {
  adapt_policy p;
  p.minimum = minimum;
  p.maximum = maximum;
  p.target_duration_s = 5;
  p.wait_count = 3;
  return p;
}

TEST(adaptive, the_target_finishes_ready_and_running_work_in_the_target_duration) {
  scheduler_state s;
  outbox out;
  s.add_worker("w0", 1, 0, out);
  EXPECT_EQ(adapt_target(s, policy(1, 8)), 1u);  // idle: the minimum
  EXPECT_EQ(adapt_target(s, policy(0, 8)), 0u);
  // 40 tasks of a function never run: 0.5 s each, 20 s on 1-thread workers.
  submit_roots(s, 40, "f", out);
  EXPECT_EQ(adapt_target(s, policy(1, 8)), 4u);
  EXPECT_EQ(adapt_target(s, policy(1, 3)), 3u);   // the maximum holds
  EXPECT_EQ(adapt_target(s, policy(6, 8)), 6u);   // and the minimum
}

TEST(adaptive, threads_per_worker_count_and_waiting_tasks_do_not) {
  scheduler_state s;
  outbox out;
  s.add_worker("w0", 4, 0, out);  // 4 threads: 20 s of work is 5 s per worker
  submit_roots(s, 40, "f", out);
  EXPECT_EQ(adapt_target(s, policy(0, 8)), 1u);
  // A chain: only its head is ready, the rest cannot run yet.
  scheduler_state chain;
  chain.add_worker("w0", 1, 0, out);
  auto c = chain.add_client();
  batch_builder b;
  auto prev = b.add("g", 0);
  for (int i = 1; i < 100; ++i)
    prev = b.add("g", i, {prev});
  b.batch.wanted = {prev};
  chain.submit(c, b.batch, out);
  EXPECT_EQ(adapt_target(chain, policy(0, 8)), 1u);
}

TEST(adaptive, managed_memory_past_the_fraction_of_the_limits_asks_for_more) {
  scheduler_state s;
  outbox out;
  auto w = s.add_worker("w0", 1, 1000, out);  // a 1000-byte limit
  outbox o1;
  submit_roots(s, 1, "f", o1);
  outbox o2;
  s.finished(done(w, o1.runs[w], 0, proto::outcome::ok, 900), o2);  // 900 bytes held
  // Nothing queued, but 900 > 0.6 x 1000: 900 / 600 of one worker -> 2.
  EXPECT_EQ(adapt_target(s, policy(1, 8)), 2u);
  // Minimum 0 still keeps a worker for the results held.
  EXPECT_EQ(adapt_target(s, policy(0, 1)), 1u);
}

TEST(adaptive, up_at_once_down_after_wait_count_decisions_retiring_the_least_loaded) {
  scheduler_state s;
  outbox out;
  std::vector<std::uint32_t> ws;
  for (int i = 0; i < 4; ++i)
    ws.push_back(s.add_worker("w" + std::to_string(i), 1, 0, out));
  // One result on one worker: it is the most loaded, so it stays.
  outbox o1;
  submit_roots(s, 1, "f", o1);
  ASSERT_EQ(o1.runs.size(), 1u);
  auto holder = o1.runs.begin()->first;
  outbox o2;
  s.finished(done(holder, o1.runs[holder], 0, proto::outcome::ok, 5000), o2);

  adapt_controller c{policy(1, 8), 4};
  EXPECT_FALSE(c.decide(s));  // idle, 1 wanted: first vote
  EXPECT_FALSE(c.decide(s));
  auto down = c.decide(s);    // third agreeing decision
  ASSERT_TRUE(down);
  EXPECT_EQ(down->n, 1u);
  ASSERT_EQ(down->retire.size(), 3u);
  for (auto& name : down->retire)
    EXPECT_NE(name, s.workers()[holder].name);
  EXPECT_FALSE(c.decide(s));  // at the target now

  outbox o3;
  submit_roots(s, 40, "g", o3);  // 20 s of work
  auto up = c.decide(s);
  ASSERT_TRUE(up);  // at once, no votes
  EXPECT_EQ(up->n, 4u);
  EXPECT_TRUE(up->retire.empty());
}

TEST(adaptive, work_for_the_current_number_asks_for_nothing) {
  scheduler_state s;
  outbox out;
  s.add_worker("w0", 1, 0, out);
  s.add_worker("w1", 1, 0, out);
  adapt_controller c{policy(1, 8), 2};
  outbox o1;
  submit_roots(s, 16, "f", o1);  // 8 s of work on 1-thread workers: 2 of them
  for (int i = 0; i < 5; ++i)
    EXPECT_FALSE(c.decide(s)) << "decision " << i;
  EXPECT_EQ(c.target(), 2u);
}

}  // namespace
