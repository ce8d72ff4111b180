// The scheduler's state machine, driven directly (no actors): transitions,
// dispatch, completion, failure, release, cancel, placement, retiring, and
// recovery when a worker dies.
#include <gtest/gtest.h>

#include <random>

#include <msgpack.hpp>

#include "common/error_payload.hpp"
#include "scheduler/scheduler_state.hpp"
#include "scheduler_test_support.hpp"
#include "troupe/serialization.hpp"

using namespace troupe;
using namespace troupe::internal;
using detail::task_key;

namespace {

// Counts by state (waiting, ready, processing, memory, erred), without the
// running total of completed tasks.
std::vector<std::uint64_t> by_state(std::vector<std::uint64_t> counts) {
  counts.resize(5);
  return counts;
}

using test_support::batch_builder;
using test_support::done;

class scheduler_state_test : public ::testing::Test {
protected:
  void TearDown() override {
    EXPECT_EQ(s.illegal_transitions(), 0u);
    EXPECT_EQ(s.validate(), "");
  }

  // Finishes task i of `run` on `worker` (inline result if `data` is given).
  outbox finish(std::uint32_t worker, const proto::run_batch& run, std::size_t i = 0,
                std::string data = {}) {
    outbox o;
    auto outcome = data.empty() ? proto::outcome::ok : proto::outcome::ok_inline;
    s.finished(done(worker, run, i, outcome, data.empty() ? 100 : data.size(), data), o);
    return o;
  }

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
  EXPECT_TRUE(legal_transition(ts::memory, ts::waiting));  // recompute a lost result
  EXPECT_TRUE(legal_transition(ts::memory, ts::erred));    // lost scattered data
  EXPECT_TRUE(legal_transition(ts::ready, ts::waiting));   // an input was lost
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
  // a's result is freed once z ran; its record stays as z's lineage (to
  // recompute z if its worker dies) until z is forgotten.
  ASSERT_NE(s.find(a), nullptr);
  EXPECT_EQ(s.find(a)->state, task_state::released);
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

// --lifetime: the last worker holding results waits for a newcomer instead
// of losing them; the newcomer's arrival starts the hand-over.
TEST_F(scheduler_state_test, a_worker_at_its_lifetime_waits_for_another_to_take_its_results) {
  outbox out;
  auto w0 = s.add_worker("w0", 1, 0, out);
  auto c = s.add_client();
  auto [a, on] = run_one(c, 64);
  ASSERT_EQ(on, w0);
  outbox o1;
  s.retire_when_replaceable({w0}, o1);
  EXPECT_FALSE(s.workers()[w0].retiring);  // nobody to hand over to: keeps working
  EXPECT_TRUE(o1.moves.empty());
  EXPECT_TRUE(o1.retired.empty());
  EXPECT_TRUE(o1.updates.empty());  // and nothing erred
  outbox o2;
  auto w1 = s.add_worker("w1", 1, 0, o2);
  EXPECT_TRUE(s.workers()[w0].retiring);
  ASSERT_EQ(o2.moves.size(), 1u);
  EXPECT_EQ(o2.moves[0].from, w0);
  EXPECT_EQ(o2.moves[0].to, w1);
  EXPECT_EQ(o2.moves[0].keys, std::vector<task_key>{a});
  outbox o3;
  s.acquired(proto::acquired{w1, {a}, {64}}, o3);
  EXPECT_EQ(o3.retired, std::vector<std::uint32_t>{w0});
  EXPECT_EQ(s.holder_of(a), w1);
}

// Two workers whose lifetimes end together: one hands over to the other,
// which waits for the next newcomer; an idle worker with nothing leaves.
TEST_F(scheduler_state_test, two_workers_at_their_lifetime_do_not_both_count_on_the_other) {
  outbox out;
  auto w0 = s.add_worker("w0", 1, 0, out);
  auto w1 = s.add_worker("w1", 1, 0, out);
  auto c = s.add_client();
  auto [a, on] = run_one(c, 64);
  auto other = on == w0 ? w1 : w0;
  outbox o1;
  s.retire_when_replaceable({on, other}, o1);
  EXPECT_TRUE(s.workers()[on].retiring);
  EXPECT_FALSE(s.workers()[other].retiring);
  ASSERT_EQ(o1.moves.size(), 1u);
  EXPECT_EQ(o1.moves[0].to, other);
  outbox o2;
  s.acquired(proto::acquired{other, {a}, {64}}, o2);
  EXPECT_EQ(o2.retired, std::vector<std::uint32_t>{on});
  EXPECT_FALSE(s.workers()[other].retiring);  // now holds a, and nobody else is open
  outbox o3;
  auto w2 = s.add_worker("w2", 1, 0, o3);
  EXPECT_TRUE(s.workers()[other].retiring);
  ASSERT_EQ(o3.moves.size(), 1u);
  EXPECT_EQ(o3.moves[0].to, w2);
  // A worker that holds nothing leaves at once.
  outbox o4;
  auto w3 = s.add_worker("w3", 1, 0, o4);
  outbox o5;
  s.retire_when_replaceable({w3}, o5);
  EXPECT_EQ(o5.retired, std::vector<std::uint32_t>{w3});
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

// -- a worker dies without warning (lose_worker) -----------------------------

TEST_F(scheduler_state_test, a_needed_result_lost_with_its_worker_runs_again_elsewhere) {
  outbox out;
  auto w0 = s.add_worker("w0", 1, 0, out);
  auto c = s.add_client();
  batch_builder b;
  auto a = b.add("a", 1);
  b.batch.wanted = {a};
  outbox o1;
  s.submit(c, b.batch, o1);
  auto first = o1.runs[w0];
  finish(w0, first);
  ASSERT_EQ(s.holder_of(a), w0);
  auto w1 = s.add_worker("w1", 1, 0, out);

  outbox o2;
  s.lose_worker(w0, o2);
  EXPECT_FALSE(s.workers()[w0].alive);
  EXPECT_EQ(s.n_workers(), 1u);
  ASSERT_EQ(o2.runs.size(), 1u);
  auto& run = o2.runs[w1];  // the same task, arguments and all
  ASSERT_EQ(run.keys, std::vector<task_key>{a});
  EXPECT_EQ(run.functions, std::vector<std::string>{"a"});
  EXPECT_EQ(run.args, first.args);
  EXPECT_TRUE(run.deps.empty());
  EXPECT_TRUE(o2.updates.empty());  // the client hears nothing of a recompute
  EXPECT_EQ(s.find(a)->state, task_state::processing);
  EXPECT_EQ(by_state(s.task_counts()), (std::vector<std::uint64_t>{0, 0, 1, 0, 0}));
  EXPECT_EQ(s.workers()[w1].processing, 1u);

  auto o3 = finish(w1, run);
  EXPECT_EQ(s.holder_of(a), w1);
  ASSERT_EQ(o3.updates[c].keys, std::vector<task_key>{a});
  EXPECT_EQ(o3.updates[c].holder[0], w1);  // where to fetch it now
  EXPECT_EQ(by_state(s.task_counts()), (std::vector<std::uint64_t>{0, 0, 0, 1, 0}));
}

TEST_F(scheduler_state_test, a_chain_lost_with_its_worker_is_recomputed_in_order) {
  outbox out;
  auto w0 = s.add_worker("w0", 1, 0, out);
  auto c = s.add_client();
  batch_builder b;
  auto ka = b.add("a", 1);
  auto kb = b.add("b", 2, {ka});
  auto kc = b.add("c", 3, {kb});
  b.batch.wanted = {kc};
  outbox o1;
  s.submit(c, b.batch, o1);
  auto o2 = finish(w0, o1.runs[w0]);   // a done: b runs
  auto o3 = finish(w0, o2.runs[w0]);   // b done: c runs, a's result freed
  ASSERT_EQ(o3.runs[w0].keys, std::vector<task_key>{kc});
  EXPECT_EQ(s.find(ka)->state, task_state::released);
  auto w1 = s.add_worker("w1", 1, 0, out);

  outbox o4;
  s.lose_worker(w0, o4);
  ASSERT_EQ(o4.runs[w1].keys, std::vector<task_key>{ka});  // from the start of the lineage
  EXPECT_EQ(s.find(kb)->state, task_state::waiting);
  EXPECT_EQ(s.find(kc)->state, task_state::waiting);
  EXPECT_EQ(by_state(s.task_counts()), (std::vector<std::uint64_t>{2, 0, 1, 0, 0}));
  std::size_t updates = o4.updates.size();

  auto o5 = finish(w1, o4.runs[w1]);
  ASSERT_EQ(o5.runs[w1].keys, std::vector<task_key>{kb});
  EXPECT_EQ(o5.runs[w1].deps, std::vector<task_key>{ka});
  EXPECT_EQ(o5.runs[w1].dep_holder, std::vector<std::uint32_t>{w1});
  auto o6 = finish(w1, o5.runs[w1]);
  ASSERT_EQ(o6.runs[w1].keys, std::vector<task_key>{kc});
  EXPECT_EQ(o6.runs[w1].deps, std::vector<task_key>{kb});
  updates += o5.updates.size() + o6.updates.size();
  EXPECT_EQ(updates, 0u);

  auto o7 = finish(w1, o6.runs[w1], 0, "\x07");
  auto& u = o7.updates[c];  // once, at the end
  ASSERT_EQ(u.keys, std::vector<task_key>{kc});
  EXPECT_EQ(u.status[0], proto::key_status::memory_inline);
  EXPECT_EQ(proto::data_of(u, 0), "\x07");
  EXPECT_EQ(by_state(s.task_counts()), (std::vector<std::uint64_t>{0, 0, 0, 1, 0}));
  outbox o8;
  s.release(c, {kc}, o8);
  EXPECT_EQ(s.n_tasks(), 0u);  // the lineage goes with it
}

TEST_F(scheduler_state_test, tasks_running_on_a_dead_worker_move_to_a_live_one) {
  outbox out;
  auto w0 = s.add_worker("w0", 1, 0, out);
  auto c = s.add_client();
  batch_builder b;
  auto f0 = b.add("f", 0);
  auto f1 = b.add("f", 1);
  auto f2 = b.add("f", 2);
  b.batch.wanted = b.batch.keys;
  outbox o1;
  s.submit(c, b.batch, o1);
  ASSERT_EQ(o1.runs[w0].keys, (std::vector<task_key>{f0, f1}));
  outbox o2;
  auto w1 = s.add_worker("w1", 4, 0, o2);
  ASSERT_EQ(o2.runs[w1].keys, std::vector<task_key>{f2});

  outbox o3;
  s.lose_worker(w0, o3);
  ASSERT_EQ(o3.runs.size(), 1u);
  EXPECT_EQ(o3.runs[w1].keys, (std::vector<task_key>{f0, f1}));
  EXPECT_TRUE(o3.updates.empty());
  EXPECT_EQ(s.workers()[w1].processing, 3u);
  EXPECT_EQ(by_state(s.task_counts()), (std::vector<std::uint64_t>{0, 0, 3, 0, 0}));
  auto o4 = finish(w1, o3.runs[w1], 1);
  EXPECT_EQ(s.holder_of(f1), w1);
  EXPECT_EQ(o4.updates[c].keys, std::vector<task_key>{f1});
}

TEST_F(scheduler_state_test, a_task_that_kills_four_workers_errs_with_killed_worker) {
  auto c = s.add_client();
  batch_builder b;
  auto f = b.add("f", 1);
  auto g = b.add("g", 2, {f});
  b.batch.wanted = {f, g};
  outbox o1;
  s.submit(c, b.batch, o1);  // no worker yet: f waits in the ready queue
  outbox last;
  for (int i = 0; i < 4; ++i) {
    outbox o;
    auto w = s.add_worker("w" + std::to_string(i), 1, 0, o);
    ASSERT_EQ(o.runs[w].keys, std::vector<task_key>{f}) << i;
    last = outbox{};
    s.lose_worker(w, last);
    if (i < 3) {
      EXPECT_EQ(s.find(f)->state, task_state::ready) << i;
      EXPECT_TRUE(last.updates.empty()) << i;
    }
  }
  EXPECT_EQ(s.find(f)->state, task_state::erred);
  EXPECT_EQ(s.find(g)->state, task_state::erred);
  auto& u = last.updates[c];
  ASSERT_EQ(u.keys, (std::vector<task_key>{f, g}));
  for (std::size_t i = 0; i < 2; ++i) {
    EXPECT_EQ(u.status[i], proto::key_status::erred);
    auto e = parse_error_payload(proto::data_of(u, i), "k");
    EXPECT_EQ(e.exception_type, "troupe::killed_worker");
    EXPECT_EQ(e.message, "task '" + detail::format_key("f", f)
                           + "' was running on 4 workers that died: w0, w1, w2, w3"
                             " (allowed_failures = 3)");
  }
  EXPECT_EQ(by_state(s.task_counts()), (std::vector<std::uint64_t>{0, 0, 0, 0, 2}));
}

TEST_F(scheduler_state_test, allowed_failures_is_a_setting) {
  s.set_allowed_failures(0);
  outbox out;
  auto w = s.add_worker("w", 1, 0, out);
  auto c = s.add_client();
  batch_builder b;
  auto f = b.add("f", 1);
  b.batch.wanted = {f};
  outbox o1;
  s.submit(c, b.batch, o1);
  outbox o2;
  s.lose_worker(w, o2);
  EXPECT_EQ(s.find(f)->state, task_state::erred);
  auto e = parse_error_payload(proto::data_of(o2.updates[c], 0), "k");
  EXPECT_EQ(e.exception_type, "troupe::killed_worker");
}

TEST_F(scheduler_state_test, a_result_held_twice_only_loses_a_holder) {
  outbox out;
  auto w0 = s.add_worker("w0", 1, 0, out);
  auto w1 = s.add_worker("w1", 1, 0, out);
  auto c = s.add_client();
  auto [a, on] = run_one(c, 64);
  auto other = on == w0 ? w1 : w0;
  outbox o1;
  s.acquired(proto::acquired{other, {a}, {64}}, o1);  // a copy, as a fetch leaves
  ASSERT_EQ(s.workers()[other].n_keys, 1u);

  outbox o2;
  s.lose_worker(on, o2);
  EXPECT_TRUE(o2.runs.empty());
  EXPECT_TRUE(o2.updates.empty());
  EXPECT_TRUE(o2.frees.empty());
  EXPECT_EQ(s.find(a)->state, task_state::memory);
  EXPECT_EQ(s.holder_of(a), other);
  EXPECT_EQ(s.workers()[other].n_keys, 1u);
  EXPECT_EQ(s.workers()[other].managed_bytes, 64u);
  outbox o3;
  s.release(c, {a}, o3);
  EXPECT_EQ(o3.frees[other].keys, std::vector<task_key>{a});
  EXPECT_EQ(o3.frees.count(on), 0u);  // nothing is sent to the dead
}

TEST_F(scheduler_state_test, scattered_data_lost_with_its_worker_errs_with_lost_data) {
  outbox out;
  auto w0 = s.add_worker("w0", 1, 0, out);
  auto c = s.add_client();
  proto::scatter sc;
  sc.client = c;
  task_key x = 777;
  sc.keys = {x};
  proto::append_data(sc, "data");
  outbox o1;
  s.scatter(c, sc, o1);
  ASSERT_EQ(o1.stores[w0].keys, std::vector<task_key>{x});
  outbox o2;
  s.acquired(proto::acquired{w0, {x}, {4}}, o2);
  ASSERT_EQ(s.holder_of(x), w0);
  batch_builder b;
  auto p = b.add("p", 1);        // still running when w0 dies
  auto z = b.add("z", 2, {x, p});
  b.batch.wanted = {z};
  outbox o3;
  s.submit(c, b.batch, o3);
  ASSERT_EQ(o3.runs[w0].keys, std::vector<task_key>{p});
  s.add_worker("w1", 1, 0, out);

  outbox o4;
  s.lose_worker(w0, o4);
  EXPECT_EQ(s.find(x)->state, task_state::erred);
  EXPECT_EQ(s.find(z)->state, task_state::erred);
  EXPECT_EQ(s.find(p), nullptr);  // needed only by z: not run again
  EXPECT_TRUE(o4.runs.empty());
  auto& u = o4.updates[c];
  ASSERT_EQ(u.keys, (std::vector<task_key>{x, z}));
  for (std::size_t i = 0; i < 2; ++i) {
    auto e = parse_error_payload(proto::data_of(u, i), "k");
    EXPECT_EQ(e.exception_type, "troupe::lost_data");
    EXPECT_NE(e.message.find("worker 'w0' that held it died"), std::string::npos) << e.message;
    EXPECT_NE(e.message.find("cannot be recomputed"), std::string::npos) << e.message;
  }
}

TEST_F(scheduler_state_test, released_results_are_not_recomputed) {
  outbox out;
  auto w0 = s.add_worker("w0", 4, 0, out);
  auto c = s.add_client();
  batch_builder b;
  auto ka = b.add("a", 1);
  auto kb = b.add("b", 2);
  auto kx = b.add("x", 3);
  auto ky = b.add("y", 4, {kx});
  b.batch.wanted = {ka, kb, ky};
  outbox o1;
  s.submit(c, b.batch, o1);
  auto run = o1.runs[w0];
  ASSERT_EQ(run.keys, (std::vector<task_key>{ka, kb, kx}));
  std::vector<outbox> rest;
  for (std::size_t i = 0; i < run.size(); ++i)
    rest.push_back(finish(w0, run, i));
  finish(w0, rest[2].runs[w0]);  // y
  outbox o2;
  s.release(c, {ka, ky}, o2);    // a and y (and y's lineage x) unwanted
  EXPECT_EQ(s.n_tasks(), 1u);
  auto w1 = s.add_worker("w1", 4, 0, out);

  outbox o3;
  s.lose_worker(w0, o3);
  ASSERT_EQ(o3.runs.size(), 1u);
  EXPECT_EQ(o3.runs[w1].keys, std::vector<task_key>{kb});  // only the wanted one
  EXPECT_EQ(s.n_tasks(), 1u);
  EXPECT_TRUE(o3.updates.empty());
}

TEST_F(scheduler_state_test, a_task_fetching_from_a_dead_worker_recovers_through_missing_dep) {
  outbox out;
  auto w0 = s.add_worker("w0", 1, 0, out);
  auto c = s.add_client();
  batch_builder b;
  auto a = b.add("a", 1);
  auto p = b.add("p", 2);  // keeps w0 busy, so z goes to w1
  auto z = b.add("z", 3, {a});
  b.batch.wanted = {z};
  outbox o1;
  s.submit(c, b.batch, o1);
  ASSERT_EQ(o1.runs[w0].keys, (std::vector<task_key>{a, p}));
  auto w1 = s.add_worker("w1", 4, 0, out);
  auto o2 = finish(w0, o1.runs[w0], 0);
  auto zrun = o2.runs[w1];
  ASSERT_EQ(zrun.keys, std::vector<task_key>{z});
  ASSERT_EQ(zrun.dep_holder, std::vector<std::uint32_t>{w0});  // w1 fetches a from w0

  outbox o3;
  s.lose_worker(w0, o3);
  auto arun = o3.runs[w1];
  ASSERT_EQ(arun.keys, (std::vector<task_key>{a, p}));
  EXPECT_EQ(s.find(z)->state, task_state::processing);  // it may have fetched a in time

  outbox o4;  // it had not: the fetch failed
  s.finished(done(w1, zrun, 0, proto::outcome::missing_dep, 0,
                  error_payload("z", "troupe::missing_dependency", "a")),
             o4);
  EXPECT_EQ(s.find(z)->state, task_state::waiting);  // for a, being recomputed
  EXPECT_TRUE(o4.runs.empty());
  EXPECT_TRUE(o4.updates.empty());

  auto o5 = finish(w1, arun, 0);
  ASSERT_EQ(o5.runs[w1].keys, std::vector<task_key>{z});
  EXPECT_EQ(o5.runs[w1].dep_holder, std::vector<std::uint32_t>{w1});
  auto o6 = finish(w1, o5.runs[w1], 0, "\x01");
  EXPECT_EQ(o6.updates[c].keys, std::vector<task_key>{z});
}

TEST_F(scheduler_state_test, a_retiring_worker_that_dies_completes_its_retire) {
  outbox out;
  auto w0 = s.add_worker("w0", 1, 0, out);
  auto c = s.add_client();
  auto [a, on] = run_one(c, 64);
  ASSERT_EQ(on, w0);
  auto w1 = s.add_worker("w1", 1, 0, out);
  outbox o1;
  s.retire_workers({w0}, o1);
  ASSERT_EQ(o1.moves.size(), 1u);

  outbox o2;  // dies before the hand-over arrives
  s.lose_worker(w0, o2);
  EXPECT_EQ(o2.retired, std::vector<std::uint32_t>{w0});
  EXPECT_EQ(o2.runs[w1].keys, std::vector<task_key>{a});  // recomputed instead
  EXPECT_FALSE(s.workers()[w0].retiring);
  outbox o3;  // a late copy is not kept: a is being computed again
  s.acquired(proto::acquired{w1, {a}, {64}}, o3);
  EXPECT_EQ(o3.frees[w1].keys, std::vector<task_key>{a});
  EXPECT_TRUE(o3.retired.empty());
  finish(w1, o2.runs[w1]);
  EXPECT_EQ(s.holder_of(a), w1);
}

TEST_F(scheduler_state_test, a_hand_over_whose_target_dies_starts_again) {
  outbox out;
  auto w0 = s.add_worker("w0", 1, 0, out);
  auto c = s.add_client();
  auto [a, on] = run_one(c, 64);
  ASSERT_EQ(on, w0);
  auto w1 = s.add_worker("w1", 1, 0, out);
  auto w2 = s.add_worker("w2", 1, 0, out);
  outbox o1;
  s.retire_workers({w0}, o1);
  ASSERT_EQ(o1.moves.size(), 1u);
  auto target = o1.moves[0].to;
  auto spare = target == w1 ? w2 : w1;

  outbox o2;
  s.lose_worker(target, o2);
  ASSERT_EQ(o2.moves.size(), 1u);
  EXPECT_EQ(o2.moves[0].from, w0);
  EXPECT_EQ(o2.moves[0].to, spare);
  EXPECT_EQ(o2.moves[0].keys, std::vector<task_key>{a});
  EXPECT_TRUE(o2.runs.empty());  // w0 still holds a
  EXPECT_TRUE(o2.retired.empty());
  outbox o3;
  s.acquired(proto::acquired{spare, {a}, {64}}, o3);
  EXPECT_EQ(o3.retired, std::vector<std::uint32_t>{w0});
  EXPECT_EQ(s.holder_of(a), spare);
}

TEST_F(scheduler_state_test, resubmitting_a_released_input_computes_it_again) {
  outbox out;
  auto w = s.add_worker("w", 1, 0, out);
  auto c = s.add_client();
  batch_builder b;
  auto a = b.add("a", 1);
  auto z = b.add("z", 2, {a});
  b.batch.wanted = {z};
  outbox o1;
  s.submit(c, b.batch, o1);
  auto o2 = finish(w, o1.runs[w]);
  finish(w, o2.runs[w]);
  ASSERT_EQ(s.find(a)->state, task_state::released);  // z's lineage, no result
  batch_builder again;
  ASSERT_EQ(again.add("a", 1), a);  // same pure key
  again.batch.wanted = {a};
  outbox o3;
  s.submit(c, again.batch, o3);
  ASSERT_EQ(o3.runs[w].keys, std::vector<task_key>{a});
  auto o4 = finish(w, o3.runs[w]);
  EXPECT_EQ(o4.updates[c].keys, std::vector<task_key>{a});
}

TEST_F(scheduler_state_test, a_batch_forgotten_while_submitted_frees_its_arguments_once) {
  auto c = s.add_client();
  batch_builder b1;
  b1.add("x", 1, {12345});  // unknown input, wanted by nobody: erred and forgotten at once
  outbox o1;
  s.submit(c, b1.batch, o1);
  EXPECT_EQ(s.n_tasks(), 0u);
  batch_builder b2, b3;
  auto a = b2.add("a", 1);
  auto z = b3.add("z", 2);
  b2.batch.wanted = {a};
  b3.batch.wanted = {z};
  auto a_args = b2.batch.args, z_args = b3.batch.args;
  outbox o2, o3;
  s.submit(c, b2.batch, o2);
  s.submit(c, b3.batch, o3);  // must not reuse a's argument chunk
  outbox o4;
  auto w = s.add_worker("w", 1, 0, o4);
  ASSERT_EQ(o4.runs[w].keys, (std::vector<task_key>{a, z}));
  EXPECT_EQ(o4.runs[w].args, a_args + z_args);
}

TEST_F(scheduler_state_test, two_failures_in_one_batch_one_downstream_of_the_other) {
  auto c = s.add_client();
  batch_builder b;
  auto x = b.add("x", 1, {12345});
  b.add("y", 2, {x, 54321});  // fails itself, and erred (and forgotten) through x first
  b.batch.wanted = {x};
  outbox o;
  s.submit(c, b.batch, o);
  EXPECT_EQ(s.find(x)->state, task_state::erred);
  EXPECT_EQ(s.n_tasks(), 1u);
  EXPECT_EQ(o.updates[c].keys, std::vector<task_key>{x});
  batch_builder next;  // reuses y's record: it must be clean
  auto z = next.add("z", 3);
  outbox o2;
  s.submit(c, next.batch, o2);
  EXPECT_EQ(s.find(z)->state, task_state::ready);
}

// -- routing by function -----------------------------------------------------

TEST_F(scheduler_state_test, tasks_go_only_to_workers_that_have_their_function) {
  outbox out;
  auto wf = s.add_worker("wf", 1, 0, out, {"f"});
  auto wg = s.add_worker("wg", 1, 0, out, {"g", "h"});
  auto c = s.add_client();
  batch_builder b;
  std::vector<task_key> fs, gs;
  for (int i = 0; i < 6; ++i) {
    fs.push_back(b.add("f", i));
    gs.push_back(b.add("g", i));
  }
  b.batch.wanted = fs;
  b.batch.wanted.insert(b.batch.wanted.end(), gs.begin(), gs.end());
  outbox o1;
  s.submit(c, b.batch, o1);
  // Two tasks per thread at first; wf being full does not hold back g.
  ASSERT_EQ(o1.runs.size(), 2u);
  EXPECT_EQ(o1.runs[wf].functions, std::vector<std::string>{"f"});
  EXPECT_EQ(o1.runs[wf].keys, (std::vector<task_key>{fs[0], fs[1]}));
  EXPECT_EQ(o1.runs[wg].functions, std::vector<std::string>{"g"});
  EXPECT_EQ(o1.runs[wg].keys, (std::vector<task_key>{gs[0], gs[1]}));
  // Once idle, each gets the rest of its own function's tasks, none of the other's.
  outbox o2;
  s.finished(done(wg, o1.runs[wg], 0), o2);
  ASSERT_EQ(o2.runs.size(), 1u);
  EXPECT_EQ(o2.runs[wg].keys, (std::vector<task_key>{gs[2], gs[3], gs[4], gs[5]}));
  outbox o3;
  s.finished(done(wf, o1.runs[wf], 0), o3);
  ASSERT_EQ(o3.runs.size(), 1u);
  EXPECT_EQ(o3.runs[wf].keys, (std::vector<task_key>{fs[2], fs[3], fs[4], fs[5]}));
  EXPECT_TRUE(s.runs(wf, s.find(fs[0])->function));
  EXPECT_FALSE(s.runs(wg, s.find(fs[0])->function));
}

TEST_F(scheduler_state_test, a_task_whose_function_no_worker_has_errs_naming_it_and_the_workers) {
  outbox out;
  auto w0 = s.add_worker("w0", 1, 0, out, {"f"});
  s.add_worker("w1", 1, 0, out, {"g", "h"});
  auto c = s.add_client();
  batch_builder b;
  auto x = b.add("cube", 1);
  auto y = b.add("f", 2, {x});  // its dependent errs with it
  auto z = b.add("f", 3);       // its own function is there: it runs
  b.batch.wanted = {y, z};
  outbox o1;
  s.submit(c, b.batch, o1);
  EXPECT_EQ(s.find(x), nullptr);  // erred and wanted by nobody: forgotten
  EXPECT_EQ(s.find(y)->state, task_state::erred);
  ASSERT_EQ(o1.runs.size(), 1u);
  EXPECT_EQ(o1.runs[w0].keys, std::vector<task_key>{z});
  auto& u = o1.updates[c];
  ASSERT_EQ(u.keys, std::vector<task_key>{y});
  EXPECT_EQ(u.status[0], proto::key_status::erred);
  auto e = parse_error_payload(proto::data_of(u, 0), "k");
  EXPECT_EQ(e.exception_type, "troupe::unknown_task");
  EXPECT_EQ(e.message.rfind("no worker has task function 'cube' (workers: w0 [1 function], w1 "
                            "[2 functions])",
                            0),
            0u)
    << e.message;
  ASSERT_EQ(o1.warnings.size(), 1u);
  EXPECT_NE(o1.warnings[0].find("'cube'"), std::string::npos) << o1.warnings[0];
}

TEST_F(scheduler_state_test, with_no_workers_a_task_waits_for_one_that_has_its_function) {
  auto c = s.add_client();
  batch_builder b;
  auto a = b.add("f", 1);
  b.batch.wanted = {a};
  outbox o1;
  s.submit(c, b.batch, o1);
  EXPECT_TRUE(o1.empty());
  EXPECT_EQ(s.find(a)->state, task_state::ready);
  // Names it brings that nobody submitted yet ("e", "g") are interned too.
  outbox o2;
  auto w = s.add_worker("w", 1, 0, o2, {"e", "f", "g"});
  ASSERT_EQ(o2.runs[w].keys, std::vector<task_key>{a});
  EXPECT_EQ(o2.runs[w].functions, std::vector<std::string>{"f"});
  auto o3 = finish(w, o2.runs[w], 0, "\x07");
  EXPECT_EQ(s.find(a)->state, task_state::memory);
  EXPECT_EQ(o3.updates[c].status[0], proto::key_status::memory_inline);
  batch_builder b2;  // a name from the hello, submitted later, runs there
  auto g = b2.add("g", 2);
  outbox o4;
  s.submit(c, b2.batch, o4);
  EXPECT_EQ(o4.runs[w].keys, std::vector<task_key>{g});
}

TEST_F(scheduler_state_test, tasks_of_a_function_whose_only_worker_left_fail) {
  outbox out;
  auto wf = s.add_worker("wf", 1, 0, out, {"f"});
  auto wg = s.add_worker("wg", 1, 0, out, {"g"});
  auto c = s.add_client();
  batch_builder b;
  auto x = b.add("g", 1);
  auto y = b.add("f", 2, {x});  // ready only once x is in memory
  auto z = b.add("f", 3);       // running on wf when it dies
  b.batch.wanted = {y, z};
  outbox o1;
  s.submit(c, b.batch, o1);
  ASSERT_EQ(o1.runs[wg].keys, std::vector<task_key>{x});
  ASSERT_EQ(o1.runs[wf].keys, std::vector<task_key>{z});
  outbox o2;
  s.lose_worker(wf, o2);
  EXPECT_TRUE(o2.runs.empty());
  ASSERT_EQ(o2.updates[c].keys, std::vector<task_key>{z});
  auto ez = parse_error_payload(proto::data_of(o2.updates[c], 0), "k");
  EXPECT_EQ(ez.exception_type, "troupe::unknown_task");
  EXPECT_EQ(ez.message.rfind("no worker has task function 'f' (workers: wg [1 function])", 0), 0u)
    << ez.message;
  EXPECT_EQ(s.find(y)->state, task_state::waiting);
  // x finishes: y is ready, and fails at once.
  auto o3 = finish(wg, o1.runs[wg]);
  EXPECT_TRUE(o3.runs.empty());
  ASSERT_EQ(o3.updates[c].keys, std::vector<task_key>{y});
  EXPECT_EQ(o3.updates[c].status[0], proto::key_status::erred);
  EXPECT_EQ(parse_error_payload(proto::data_of(o3.updates[c], 0), "k").message, ez.message);
  EXPECT_EQ(o3.frees[wg].keys, std::vector<task_key>{x});  // nobody needs x any more
}

// -- random events ------------------------------------------------------------

namespace {

// Plays a small cluster against the state machine: random submissions,
// completions (some failing or missing an input), releases, cancels,
// scatters, retires and worker deaths, delivering the replies it was sent.
struct simulation {
  simulation(scheduler_state& state, unsigned seed) : s(state), rng(seed) {}

  scheduler_state& s;
  std::mt19937 rng;
  struct sent {
    std::uint32_t worker;
    task_key key;
    std::uint32_t ticket;
  };
  std::vector<sent> runs;
  std::vector<outbox::move_order> moves;
  std::vector<std::pair<std::uint32_t, task_key>> stores;
  std::vector<std::vector<task_key>> wants{2};  // per client, with repeats
  int names = 0;

  std::size_t pick(std::size_t n) {
    return std::uniform_int_distribution<std::size_t>(0, n - 1)(rng);
  }

  template <class T>
  T take(std::vector<T>& v) {
    auto i = pick(v.size());
    T x = v[i];
    v.erase(v.begin() + static_cast<std::ptrdiff_t>(i));
    return x;
  }

  void absorb(outbox& o) {
    for (auto& [w, b] : o.runs)
      for (std::size_t i = 0; i < b.keys.size(); ++i)
        runs.push_back({w, b.keys[i], b.tickets[i]});
    moves.insert(moves.end(), o.moves.begin(), o.moves.end());
    for (auto& [w, st] : o.stores)
      for (auto k : st.keys)
        stores.emplace_back(w, k);
    for (auto id : o.retired)
      s.remove_worker(id);
  }

  void submit(outbox& o) {
    std::uint32_t c = static_cast<std::uint32_t>(pick(2));
    batch_builder b;
    std::vector<task_key> pool = wants[c];
    for (std::size_t i = 0, n = 1 + pick(4); i < n; ++i) {
      std::vector<task_key> deps;
      for (int j = 0; j < 2 && !pool.empty(); ++j) {
        auto k = pool[pick(pool.size())];
        if (pick(2) && std::find(deps.begin(), deps.end(), k) == deps.end())
          deps.push_back(k);
      }
      auto k = b.add("f" + std::to_string(pick(3)), static_cast<int>(pick(6)), deps);
      pool.push_back(k);
      if (pick(2) || i + 1 == n)
        b.batch.wanted.push_back(k);
    }
    wants[c].insert(wants[c].end(), b.batch.wanted.begin(), b.batch.wanted.end());
    s.submit(c, b.batch, o);
  }

  void finish(outbox& o, bool always_ok) {
    auto r = take(runs);
    auto roll = always_ok ? 0 : pick(10);
    auto outcome = roll < 7 ? proto::outcome::ok
                   : roll < 9 ? proto::outcome::missing_dep : proto::outcome::failed;
    proto::done_batch d;
    d.worker = r.worker;
    d.keys = {r.key};
    d.tickets = {r.ticket};
    d.outcomes = {outcome};
    d.nbytes = {100};
    d.duration_ns = {1000};
    proto::append_data(d, roll < 7 ? "" : error_payload("f", "t", "m"));
    s.finished(d, o);
  }

  void arrive(outbox& o, std::uint32_t worker, const std::vector<task_key>& keys) {
    s.acquired(proto::acquired{worker, keys, std::vector<std::uint64_t>(keys.size(), 100)}, o);
  }

  // A retire only where no scattered data is on its way: else its result may
  // arrive after the worker stopped (a known gap of graceful retiring).
  void retire(outbox& o, std::uint32_t w) {
    for (auto& [to, k] : stores)
      if (to == w)
        return;
    s.retire_workers({w}, o);
  }

  // Half the workers run any function, the others some of f0, f1, f2, f3.
  void add_worker(outbox& o) {
    auto name = "w" + std::to_string(names++);
    auto nthreads = 1 + static_cast<std::uint32_t>(pick(2));
    if (pick(2)) {
      s.add_worker(name, nthreads, 0, o);
      return;
    }
    std::vector<std::string> fns;
    for (int f = 0; f < 4; ++f)
      if (pick(2))
        fns.push_back("f" + std::to_string(f));
    s.add_worker(name, nthreads, 0, o, fns);
  }

  void step(outbox& o) {
    auto ws = s.worker_ids();
    auto roll = pick(100);
    if (roll < 10 || ws.empty()) {
      add_worker(o);
    } else if (roll < 25) {
      submit(o);
    } else if (roll < 60 && !runs.empty()) {
      finish(o, false);
    } else if (roll < 68) {
      s.lose_worker(ws[pick(ws.size())], o);
    } else if (roll < 72) {
      retire(o, ws[pick(ws.size())]);
    } else if (roll < 80 && !moves.empty()) {
      auto m = take(moves);
      arrive(o, m.to, m.keys);
    } else if (roll < 84) {
      auto c = static_cast<std::uint32_t>(pick(2));
      proto::scatter sc;
      sc.client = c;
      sc.keys = {1'000'000 + pick(5)};
      proto::append_data(sc, "xx");
      wants[c].push_back(sc.keys[0]);
      s.scatter(c, sc, o);
    } else if (roll < 88 && !stores.empty()) {
      auto [w, k] = take(stores);
      arrive(o, w, {k});
    } else if (auto c = pick(2); !wants[c].empty()) {
      auto k = take(wants[c]);
      if (roll < 96)
        s.release(static_cast<std::uint32_t>(c), {k}, o);
      else
        s.cancel(static_cast<std::uint32_t>(c), {k}, o);
    }
  }

  // A fresh worker joins and every message is answered, all successfully.
  void drain() {
    outbox o;
    s.add_worker("spare", 2, 0, o);
    absorb(o);
    while (!runs.empty() || !stores.empty() || !moves.empty()) {
      outbox x;
      if (!stores.empty()) {
        auto [w, k] = take(stores);
        arrive(x, w, {k});
      } else if (!moves.empty()) {
        auto m = take(moves);
        arrive(x, m.to, m.keys);
      } else {
        finish(x, true);
      }
      absorb(x);
    }
  }
};

} // namespace

TEST_F(scheduler_state_test, random_events_keep_the_bookkeeping_consistent) {
  for (unsigned seed = 1; seed <= 300; ++seed) {
    SCOPED_TRACE("seed " + std::to_string(seed));
    s = scheduler_state{seed % 3};  // allowed_failures 0, 1, 2
    s.add_client();
    s.add_client();
    simulation sim{s, seed};
    for (int i = 0; i < 80; ++i) {
      outbox o;
      sim.step(o);
      sim.absorb(o);
      ASSERT_EQ(s.validate(), "") << "step " << i;
      ASSERT_EQ(s.illegal_transitions(), 0u) << "step " << i;
    }
    sim.drain();
    ASSERT_EQ(s.validate(), "");
    auto counts = s.task_counts();
    EXPECT_EQ(counts[0] + counts[1] + counts[2], 0u) << "waiting, ready or processing left";
    for (auto& keys : sim.wants)
      for (auto k : keys) {
        auto* r = s.find(k);
        if (r && r->wanter != none) {
          EXPECT_TRUE(r->state == task_state::memory || r->state == task_state::erred)
            << to_string(r->state);
        }
      }
  }
}
