// The scheduler's state machine, driven directly (no actors): transitions,
// dispatch, completion, failure, release, cancel, placement, retiring.
#include <gtest/gtest.h>

#include <msgpack.hpp>

#include "common/error_payload.hpp"
#include "scheduler/scheduler_state.hpp"
#include "troupe/serialization.hpp"

using namespace troupe;
using namespace troupe::internal;
using detail::task_key;

namespace {

// Builds a batch: each task is (name, arguments packed as [int], deps).
struct batch_builder {
  detail::task_batch batch;
  task_key add(const std::string& name, int arg, std::vector<task_key> deps = {}) {
    std::string packed;
    detail::byte_writer w{&packed};
    msgpack::packer<detail::byte_writer> p{w};
    p.pack_array(1 + static_cast<std::uint32_t>(deps.size()));
    p.pack(arg);
    for (auto d : deps) {
      p.pack(static_cast<std::uint64_t>(d));
      batch.deps.push_back(d);
    }
    batch.args += packed;
    return batch.finish_task(name, true, 0);
  }
};

proto::done_batch done(std::uint32_t worker, const proto::run_batch& run, std::size_t i,
                       proto::outcome outcome = proto::outcome::ok,
                       std::uint64_t nbytes = 100, std::string data = {}) {
  proto::done_batch d;
  d.worker = worker;
  d.keys.push_back(run.keys[i]);
  d.tickets.push_back(run.tickets[i]);
  d.outcomes.push_back(outcome);
  d.nbytes.push_back(nbytes);
  d.duration_ns.push_back(1000);
  proto::append_data(d, data);
  return d;
}

class scheduler_state_test : public ::testing::Test {
protected:
  void TearDown() override { EXPECT_EQ(s.illegal_transitions(), 0u); }

  // Submits one task wanted by `client` and finishes it with a result of
  // `nbytes` wherever it was sent; returns its key and that worker.
  std::pair<task_key, std::uint32_t> run_one(std::uint32_t client, std::uint64_t nbytes) {
    batch_builder b;
    auto key = b.add("a", 1);
    b.batch.wanted = {key};
    outbox o1;
    s.submit(client, b.batch, o1);
    auto on = o1.runs.begin()->first;
    outbox o2;
    s.finished(done(on, o1.runs[on], 0, proto::outcome::ok, nbytes), o2);
    return {key, on};
  }

  scheduler_state s;
};

} // namespace

TEST(task_state, only_legal_transitions_are_allowed) {
  using ts = task_state;
  EXPECT_TRUE(legal_transition(ts::released, ts::waiting));
  EXPECT_TRUE(legal_transition(ts::waiting, ts::ready));
  EXPECT_TRUE(legal_transition(ts::ready, ts::processing));
  EXPECT_TRUE(legal_transition(ts::processing, ts::memory));
  EXPECT_TRUE(legal_transition(ts::processing, ts::erred));
  EXPECT_TRUE(legal_transition(ts::processing, ts::ready));  // retry
  EXPECT_TRUE(legal_transition(ts::memory, ts::released));
  EXPECT_FALSE(legal_transition(ts::memory, ts::processing));
  EXPECT_FALSE(legal_transition(ts::waiting, ts::processing));
  EXPECT_FALSE(legal_transition(ts::erred, ts::memory));
  EXPECT_FALSE(legal_transition(ts::ready, ts::memory));
  EXPECT_FALSE(legal_transition(ts::released, ts::memory));
}

TEST_F(scheduler_state_test, a_chain_runs_in_dependency_order_and_frees_its_input) {
  outbox out;
  auto w = s.add_worker("w", 1, 0, out);
  auto c = s.add_client();
  batch_builder b;
  auto a = b.add("a", 1);
  auto z = b.add("z", 2, {a});
  b.batch.wanted = {z};
  outbox o1;
  s.submit(c, b.batch, o1);
  ASSERT_EQ(o1.runs.size(), 1u);
  auto& run1 = o1.runs[w];
  ASSERT_EQ(run1.keys, std::vector<task_key>{a});  // z waits for a
  EXPECT_EQ(s.find(z)->state, task_state::waiting);

  outbox o2;
  s.finished(done(w, run1, 0), o2);
  EXPECT_EQ(s.find(a)->state, task_state::memory);
  auto& run2 = o2.runs[w];
  ASSERT_EQ(run2.keys, std::vector<task_key>{z});
  ASSERT_EQ(run2.deps, std::vector<task_key>{a});
  EXPECT_EQ(run2.dep_holder, std::vector<std::uint32_t>{w});
  EXPECT_TRUE(o2.updates.empty());  // nobody wants a

  outbox o3;
  s.finished(done(w, run2, 0, proto::outcome::ok_inline, 1, "\x05"), o3);
  EXPECT_EQ(s.find(a), nullptr);  // forgotten once z ran
  ASSERT_EQ(o3.frees[w].keys, std::vector<task_key>{a});
  auto& u = o3.updates[c];
  ASSERT_EQ(u.keys, std::vector<task_key>{z});
  EXPECT_EQ(u.status[0], proto::key_status::memory_inline);
  EXPECT_EQ(proto::data_of(u, 0), "\x05");

  outbox o4;
  s.release(c, {z}, o4);
  EXPECT_EQ(s.n_tasks(), 0u);
  EXPECT_EQ(o4.frees[w].keys, std::vector<task_key>{z});
}

TEST_F(scheduler_state_test, a_failure_errs_every_dependent_and_tells_the_client) {
  outbox out;
  auto w = s.add_worker("w", 1, 0, out);
  auto c = s.add_client();
  batch_builder b;
  auto a = b.add("a", 1);
  auto m = b.add("m", 2, {a});
  auto z = b.add("z", 3, {m});
  b.batch.wanted = {a, z};
  outbox o1;
  s.submit(c, b.batch, o1);
  outbox o2;
  s.finished(done(w, o1.runs[w], 0, proto::outcome::failed, 0,
                  error_payload("a", "std::runtime_error", "boom")),
             o2);
  EXPECT_EQ(s.find(a)->state, task_state::erred);
  EXPECT_EQ(s.find(m), nullptr);  // erred, wanted by nobody: forgotten
  EXPECT_EQ(s.find(z)->state, task_state::erred);
  auto& u = o2.updates[c];
  ASSERT_EQ(u.keys.size(), 2u);
  for (std::size_t i = 0; i < 2; ++i) {
    EXPECT_EQ(u.status[i], proto::key_status::erred);
    auto e = parse_error_payload(proto::data_of(u, i), "k");
    EXPECT_EQ(e.message, "boom");
    EXPECT_EQ(e.exception_type, "std::runtime_error");
  }
}

TEST_F(scheduler_state_test, a_task_with_retries_runs_again_before_failing) {
  outbox out;
  auto w = s.add_worker("w", 1, 0, out);
  auto c = s.add_client();
  batch_builder b;
  auto a = b.add("a", 1);
  b.batch.retries[0] = 1;
  b.batch.wanted = {a};
  outbox o1;
  s.submit(c, b.batch, o1);
  outbox o2;
  s.finished(done(w, o1.runs[w], 0, proto::outcome::failed, 0, error_payload("a", "t", "1")), o2);
  ASSERT_EQ(o2.runs[w].keys, std::vector<task_key>{a});  // sent again
  EXPECT_TRUE(o2.updates.empty());
  outbox o3;
  s.finished(done(w, o2.runs[w], 0, proto::outcome::failed, 0, error_payload("a", "t", "2")), o3);
  EXPECT_EQ(s.find(a)->state, task_state::erred);
  EXPECT_EQ(parse_error_payload(proto::data_of(o3.updates[c], 0), "k").message, "2");
}

TEST_F(scheduler_state_test, ready_tasks_go_out_lowest_priority_first_in_batches) {
  outbox out;
  auto w = s.add_worker("w", 1, 0, out);
  auto c = s.add_client();
  batch_builder b;
  std::vector<task_key> keys;
  for (int i = 0; i < 100; ++i)
    keys.push_back(b.add("f", i));
  outbox o1;
  s.submit(c, b.batch, o1);
  // Unknown duration: two tasks per thread at first, in submission order.
  ASSERT_EQ(o1.runs[w].keys, (std::vector<task_key>{keys[0], keys[1]}));
  // Once a duration is known (1 us), the worker is topped up in one batch.
  outbox o2;
  s.finished(done(w, o1.runs[w], 0), o2);
  auto& run2 = o2.runs[w];
  ASSERT_EQ(run2.keys.size(), 98u);
  EXPECT_EQ(run2.keys.front(), keys[2]);
  EXPECT_EQ(run2.keys.back(), keys[99]);
}

TEST_F(scheduler_state_test, a_task_runs_where_its_large_input_is) {
  outbox out;
  auto w0 = s.add_worker("w0", 1, 0, out);
  auto w1 = s.add_worker("w1", 1, 0, out);
  auto c = s.add_client();
  auto [a, on] = run_one(c, 500'000'000);
  batch_builder b2;
  auto z = b2.add("z", 2, {a});
  outbox o3;
  s.submit(c, b2.batch, o3);
  ASSERT_EQ(o3.runs.size(), 1u);
  EXPECT_EQ(o3.runs.begin()->first, on);
  EXPECT_EQ(o3.runs.begin()->second.keys, std::vector<task_key>{z});
  (void) w0;
  (void) w1;
}

TEST_F(scheduler_state_test, cancel_releases_a_waiting_task_and_tells_the_client) {
  outbox out;
  auto w = s.add_worker("w", 1, 0, out);
  auto c = s.add_client();
  batch_builder b;
  auto a = b.add("a", 1);
  auto z = b.add("z", 2, {a});
  b.batch.wanted = {z};
  outbox o1;
  s.submit(c, b.batch, o1);
  outbox o2;
  s.cancel(c, {z}, o2);
  ASSERT_EQ(o2.updates[c].keys, std::vector<task_key>{z});
  EXPECT_EQ(o2.updates[c].status[0], proto::key_status::cancelled);
  EXPECT_EQ(s.find(z), nullptr);
  // a is processing and now orphaned: its result is dropped when it arrives.
  outbox o3;
  s.finished(done(w, o1.runs[w], 0), o3);
  EXPECT_EQ(s.find(a), nullptr);
  EXPECT_EQ(o3.frees[w].keys, std::vector<task_key>{a});
  EXPECT_EQ(s.n_tasks(), 0u);
}

TEST_F(scheduler_state_test, an_unknown_dependency_fails_the_task) {
  outbox out;
  s.add_worker("w", 1, 0, out);
  auto c = s.add_client();
  batch_builder b;
  auto z = b.add("z", 1, {12345});
  b.batch.wanted = {z};
  outbox o1;
  s.submit(c, b.batch, o1);
  ASSERT_EQ(o1.updates[c].keys, std::vector<task_key>{z});
  auto e = parse_error_payload(proto::data_of(o1.updates[c], 0), "k");
  EXPECT_EQ(e.exception_type, "troupe::unknown_dependency");
}

TEST_F(scheduler_state_test, a_retiring_worker_hands_its_results_over_before_it_stops) {
  outbox out;
  auto w0 = s.add_worker("w0", 1, 0, out);
  auto w1 = s.add_worker("w1", 1, 0, out);
  auto c = s.add_client();
  auto [a, on] = run_one(c, 64);
  auto other = on == w0 ? w1 : w0;
  outbox o3;
  s.retire_workers({on}, o3);
  ASSERT_EQ(o3.moves.size(), 1u);
  EXPECT_EQ(o3.moves[0].from, on);
  EXPECT_EQ(o3.moves[0].to, other);
  EXPECT_EQ(o3.moves[0].keys, std::vector<task_key>{a});
  EXPECT_TRUE(o3.retired.empty());
  outbox o4;
  s.acquired(proto::acquired{other, {a}, {64}}, o4);
  ASSERT_EQ(o4.retired, std::vector<std::uint32_t>{on});
  EXPECT_EQ(s.holder_of(a), other);
  EXPECT_EQ(s.workers()[other].n_keys, 1u);
  EXPECT_EQ(s.workers()[on].n_keys, 0u);
}

TEST_F(scheduler_state_test, two_clients_keep_a_shared_key_until_both_release) {
  outbox out;
  auto w = s.add_worker("w", 1, 0, out);
  auto c1 = s.add_client();
  auto c2 = s.add_client();
  batch_builder b;
  auto a = b.add("a", 1);
  b.batch.wanted = {a};
  auto copy = b.batch;
  outbox o1;
  s.submit(c1, b.batch, o1);
  outbox o2;
  s.submit(c2, copy, o2);
  EXPECT_TRUE(o2.runs.empty());  // same key: not run twice
  outbox o3;
  s.finished(done(w, o1.runs[w], 0), o3);
  EXPECT_EQ(o3.updates.size(), 2u);  // both clients told
  outbox o4;
  s.release(c1, {a}, o4);
  EXPECT_NE(s.find(a), nullptr);
  outbox o5;
  s.remove_client(c2, o5);
  EXPECT_EQ(s.find(a), nullptr);
  EXPECT_EQ(o5.frees[w].keys, std::vector<task_key>{a});
}

TEST_F(scheduler_state_test, retiring_two_workers_sends_their_results_only_to_the_one_left) {
  outbox out;
  std::vector<std::uint32_t> ws;
  for (int i = 0; i < 3; ++i)
    ws.push_back(s.add_worker("w" + std::to_string(i), 1, 0, out));
  auto c = s.add_client();
  batch_builder b;
  for (int i = 0; i < 30; ++i)
    b.add("f", i);
  b.batch.wanted = b.batch.keys;
  outbox o1;
  s.submit(c, b.batch, o1);
  // Run everything: finishing tasks releases more.
  std::vector<std::pair<std::uint32_t, proto::run_batch>> pending(o1.runs.begin(), o1.runs.end());
  while (!pending.empty()) {
    auto [w, run] = pending.back();
    pending.pop_back();
    for (std::size_t i = 0; i < run.size(); ++i) {
      outbox o;
      s.finished(done(w, run, i), o);
      pending.insert(pending.end(), o.runs.begin(), o.runs.end());
    }
  }
  ASSERT_EQ(s.task_counts()[3], 30u);  // all in memory
  std::uint64_t to_move = s.workers()[ws[1]].n_keys + s.workers()[ws[2]].n_keys;
  ASSERT_GT(to_move, 0u);
  outbox o2;
  s.retire_workers({ws[1], ws[2]}, o2);
  std::uint64_t moved = 0;
  for (auto& m : o2.moves) {
    EXPECT_EQ(m.to, ws[0]) << "from " << m.from;
    moved += m.keys.size();
  }
  EXPECT_EQ(moved, to_move);
}
