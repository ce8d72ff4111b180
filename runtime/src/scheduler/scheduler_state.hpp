// The scheduler's bookkeeping: task records, their states and edges, the
// workers and clients, and the decisions (where to run what, what to free).
// No CAF here: each handler fills an `outbox` that the actor then sends, so
// the whole state machine is tested without actors.
#pragma once

#include <cstdint>
#include <deque>
#include <queue>
#include <string>
#include <string_view>
#include <unordered_map>
#include <vector>

#include "common/flat_key_map.hpp"
#include "protocol/messages.hpp"
#include "scheduler/task_state.hpp"
#include "scheduler/telemetry.hpp"

namespace troupe::internal {

using detail::task_key;
constexpr std::uint32_t none = UINT32_MAX;

struct task_record {
  task_key key = 0;
  std::uint64_t priority = 0;  // lower runs first
  std::uint64_t arg_begin = 0;
  std::uint64_t nbytes = 0;
  std::uint32_t arg_size = 0;
  std::uint32_t chunk = none;     // which argument chunk holds the arguments
  std::uint32_t function = 0;     // interned name
  std::uint32_t holder = none;    // worker processing it, or holding its result
  std::uint32_t waiting_on = 0;   // dependencies not yet in memory
  std::uint32_t pending_dependents = 0;  // dependents that still need the result
  std::uint32_t wanter = none;    // first client holding futures on it
  std::uint32_t wanter_count = 0; // ... and how many (others: extra_wanters_)
  float est = 0;                  // duration estimate used when assigned
  task_state state = task_state::released;
  std::uint8_t retries_left = 0;
  std::uint8_t fetch_failures = 0;
  bool orphaned = false;  // processing, but nobody needs it any more
  bool scattered = false;
  std::vector<std::uint32_t> deps;
  std::vector<std::uint32_t> dependents;
};

struct worker_record {
  std::uint32_t id = 0;
  std::string name;
  std::uint32_t nthreads = 1;
  std::uint64_t memory_limit = 0;
  std::uint64_t processing = 0;
  double occupancy = 0;  // estimated seconds of work sent and not finished
  std::uint64_t managed_bytes = 0;
  std::uint64_t n_keys = 0;
  bool alive = false;
  bool retiring = false;
  bool moving = false;  // hand-over of its results under way
  bool any_function = false;             // its functions are unknown: assume all
  std::vector<std::uint32_t> functions;  // interned names of the tasks it can run
  std::uint64_t moves_pending = 0;
  std::vector<std::uint32_t> move_targets;  // where the hand-over sends them
  // Reported by the worker every [dashboard] metrics_interval.
  std::uint64_t rss = 0;
  double cpu = 0;
  std::uint64_t spilled = 0;
  std::uint64_t bytes_received = 0;  // inputs fetched from other workers, ever
};

/// Messages to send after handling one event, grouped per receiver.
struct outbox {
  std::unordered_map<std::uint32_t, proto::run_batch> runs;
  std::unordered_map<std::uint32_t, proto::key_updates> updates;  // per client
  std::unordered_map<std::uint32_t, proto::free_keys> frees;
  struct move_order {
    std::uint32_t from, to;
    std::vector<task_key> keys;
  };
  std::vector<move_order> moves;
  std::unordered_map<std::uint32_t, proto::store_keys> stores;  // scattered data
  std::vector<std::uint32_t> retired;                       // workers done retiring
  std::vector<std::string> warnings;

  bool empty() const {
    return runs.empty() && updates.empty() && frees.empty() && moves.empty() && stores.empty()
           && retired.empty() && warnings.empty();
  }
};

class scheduler_state {
public:
  /// `allowed_failures`: how many workers may die while running one task
  /// before it errs with troupe::killed_worker (as Dask's allowed-failures).
  explicit scheduler_state(std::uint32_t allowed_failures = 3);
  void set_allowed_failures(std::uint32_t n) { allowed_failures_ = n; }

  // -- workers and clients ---------------------------------------------------
  /// A worker that runs exactly `functions` (its registered task names):
  /// only tasks of those are sent to it.
  std::uint32_t add_worker(std::string name, std::uint32_t nthreads, std::uint64_t memory_limit,
                           outbox& out, const std::vector<std::string>& functions);
  /// A worker whose functions are unknown (tests): it is sent any task.
  std::uint32_t add_worker(std::string name, std::uint32_t nthreads, std::uint64_t memory_limit,
                           outbox& out);
  /// Starts retiring: no new work; once idle, their results move to others.
  void retire_workers(const std::vector<std::uint32_t>& ids, outbox& out);
  /// Retires each as soon as another worker can take its results (at
  /// once when one can, or when it holds nothing), else when one joins: a
  /// worker leaving at the end of its lifetime loses nothing.
  void retire_when_replaceable(const std::vector<std::uint32_t>& ids, outbox& out);
  /// Forgets a worker that stopped (after retiring).
  void remove_worker(std::uint32_t id);
  /// A worker died without warning: its tasks run elsewhere and the results
  /// only it held are recomputed from their lineage if still needed.
  void lose_worker(std::uint32_t id, outbox& out);
  std::uint32_t add_client();
  void remove_client(std::uint32_t client, outbox& out);

  // -- events ----------------------------------------------------------------
  void submit(std::uint32_t client, detail::task_batch& batch, outbox& out);
  void release(std::uint32_t client, const std::vector<task_key>& keys, outbox& out);
  void cancel(std::uint32_t client, const std::vector<task_key>& keys, outbox& out);
  void finished(const proto::done_batch& batch, outbox& out);
  void acquired(const proto::acquired& msg, outbox& out);
  void scatter(std::uint32_t client, proto::scatter& msg, outbox& out);
  /// A worker's memory, CPU and transfers (for the dashboard).
  void record_metrics(const proto::worker_metrics& m);

  // -- queries ---------------------------------------------------------------
  const task_record* find(task_key key) const;
  std::uint32_t holder_of(task_key key) const;
  std::string_view function_name(std::uint32_t id) const { return functions_[id]; }
  /// Whether worker `w` has the task function `function` (interned).
  bool runs(std::uint32_t w, std::uint32_t function) const { return can_run_[function][w] != 0; }
  const std::vector<worker_record>& workers() const { return workers_; }
  std::size_t n_workers() const;
  std::vector<std::uint32_t> worker_ids() const;
  std::size_t n_tasks() const { return index_.size(); }
  /// Transitions that legal_transition() forbids; always 0 unless buggy.
  std::uint64_t illegal_transitions() const { return illegal_transitions_; }
  /// The first inconsistency in the bookkeeping (edges, counts, states), or
  /// "" (as Dask's validate_state). Walks every task: for tests.
  std::string validate() const;
  /// Task counts: waiting, ready, processing, memory, erred, and the tasks
  /// completed since the start.
  std::vector<std::uint64_t> task_counts() const;
  /// Estimated seconds a task of this function takes (moving average).
  double duration_estimate(std::uint32_t function) const;

  // -- telemetry (dashboard, /metrics, performance reports) --------------------
  const std::vector<std::string>& function_names() const { return functions_; }
  /// Per function (task prefix), indexed as function_names().
  const std::vector<prefix_stats>& prefix_statistics() const { return prefixes_; }
  const task_stream& stream() const { return stream_; }
  void set_stream_size(std::size_t n) { stream_.resize(n); }
  std::uint64_t bytes_transferred() const { return bytes_transferred_; }
  std::uint64_t erred_total() const { return erred_total_; }
  std::uint64_t completed() const { return completed_; }
  /// Calls f(slot, record) for every task the scheduler knows.
  template <class F>
  void for_each_task(F&& f) const {
    index_.for_each([&](std::uint64_t, std::uint32_t idx) { f(idx, records_[idx]); });
  }

  /// Tasks with at most this many bytes of result are sent to clients inline.
  static constexpr std::size_t inline_limit = 64;

private:
  std::uint32_t intern(std::string_view name);
  std::uint32_t new_record();
  void set_state(std::uint32_t idx, task_state to);
  /// Counts a new record (released, its function set) in its prefix's round.
  void count_new(std::uint32_t idx);

  // -- placement (scheduler_placement.cpp) -------------------------------------
  std::uint32_t join(worker_record w, outbox& out);
  void make_ready(std::uint32_t idx);
  /// A task whose inputs were just counted: erred (an input erred; queued in
  /// `failed`), ready, or waiting.
  void settle(std::uint32_t idx, std::string error,
              std::vector<std::pair<std::uint32_t, std::string>>& failed);
  void dispatch(outbox& out);
  bool runnable(std::uint32_t function) const;
  void fail_unrunnable(std::uint32_t function, outbox& out);
  std::string no_worker_message(std::uint32_t function) const;
  std::uint32_t choose_worker(const task_record& t) const;
  bool can_take(const worker_record& w) const;
  bool hungry(const worker_record& w) const;
  void assign(std::uint32_t idx, std::uint32_t worker, outbox& out);
  void unassign(task_record& t);
  void refresh_occupancy();
  void on_memory(std::uint32_t idx, std::uint32_t worker, std::uint64_t nbytes,
                 std::string_view inline_data, outbox& out);
  void on_error(std::uint32_t idx, std::string payload, outbox& out);
  void notify(std::uint32_t idx, proto::key_status status, std::string_view data, outbox& out);
  void notify_client(std::uint32_t idx, std::uint32_t client, proto::key_status status,
                     std::string_view data, outbox& out);
  bool wanted(std::uint32_t idx) const;
  void add_want(std::uint32_t idx, std::uint32_t client);
  bool drop_want(std::uint32_t idx, std::uint32_t client);
  /// Forgets (or releases) the task if nobody, client or dependent, needs it.
  void check_release(std::uint32_t idx, outbox& out);
  bool needed(std::uint32_t idx) const;
  /// Frees what nobody needs, from idx up through its inputs. A record stays
  /// (released) while a dependent keeps it as lineage.
  void forget(std::uint32_t idx, outbox& out);
  bool stale(std::uint32_t idx) const;
  void erase_record(std::uint32_t idx);
  void drop_dependent_ref(std::uint32_t dep_idx, outbox& out);
  void cancel_one(std::uint32_t idx, outbox& out);
  void add_holder(std::uint32_t idx, std::uint32_t worker, std::uint64_t nbytes);
  bool drop_holder(std::uint32_t idx, std::uint32_t worker);
  void free_on_holders(std::uint32_t idx, outbox& out);
  void check_retiring(outbox& out);
  void check_lifetime_waiters(outbox& out);

  std::string validate_task(std::uint32_t idx) const;

  // -- recovery (scheduler_recovery.cpp) ---------------------------------------
  void requeue(std::uint32_t idx, outbox& out);
  void rerun_after_death(std::uint32_t dead, const std::vector<std::uint32_t>& tasks,
                         outbox& out);
  void recompute(std::uint32_t idx, std::uint32_t dead, outbox& out);
  void count_as_missing(std::uint32_t idx);
  void replan_moves_to(std::uint32_t dead);
  std::string killed_worker_payload(std::uint32_t idx) const;
  std::string lost_data_payload(std::uint32_t idx, std::uint32_t dead) const;

  std::vector<task_record> records_;
  std::vector<std::uint32_t> free_records_;
  flat_key_map index_;

  struct chunk {
    std::string args;
    std::uint64_t live = 0;
  };
  std::vector<chunk> chunks_;
  std::vector<std::uint32_t> free_chunks_;

  std::vector<std::string> functions_;
  std::unordered_map<std::string, std::uint32_t> function_ids_;
  std::vector<double> durations_;  // per function, seconds; < 0: unknown
  // Per function, per worker id: 1 if the worker has that function. A flat
  // byte per worker keeps choose_worker free of lookups.
  std::vector<std::vector<std::uint8_t>> can_run_;

  std::vector<worker_record> workers_;  // indexed by worker id
  std::vector<std::uint32_t> lifetime_waiters_;  // retire once another can take over
  std::uint32_t next_client_ = 0;
  std::unordered_map<std::uint32_t, std::vector<std::uint32_t>> extra_holders_;
  // task -> (client, futures) for clients after the first that want it.
  std::unordered_map<std::uint32_t, std::vector<std::pair<std::uint32_t, std::uint32_t>>>
    extra_wanters_;
  std::unordered_map<std::uint32_t, std::string> errors_;  // task -> payload
  // task -> workers that died while running it ("suspicious", in Dask's words)
  std::unordered_map<std::uint32_t, std::vector<std::uint32_t>> deaths_;
  std::uint32_t allowed_failures_ = 3;

  // Ready tasks, lowest priority first, one queue per function: tasks whose
  // workers are all busy do not hold back tasks of other functions. Most
  // become ready in priority order (a map, a graph's leaves): those go to a
  // FIFO; the rest to a heap.
  using ready_entry = std::pair<std::uint64_t, std::uint32_t>;  // priority, task
  struct ready_queue {
    std::deque<ready_entry> fifo;
    std::priority_queue<ready_entry, std::vector<ready_entry>, std::greater<>> heap;
    bool listed = false;  // in ready_functions_
    bool empty() const { return fifo.empty() && heap.empty(); }
    void push(const ready_entry& e) {
      if (fifo.empty() || fifo.back() < e)
        fifo.push_back(e);
      else
        heap.push(e);
    }
    const ready_entry& top() const {
      if (heap.empty())
        return fifo.front();
      if (fifo.empty() || heap.top() < fifo.front())
        return heap.top();
      return fifo.front();
    }
    void pop() {
      if (heap.empty() || (!fifo.empty() && fifo.front() < heap.top()))
        fifo.pop_front();
      else
        heap.pop();
    }
  };
  std::vector<ready_queue> ready_;              // per function
  std::vector<std::uint32_t> ready_functions_;  // functions whose queue may hold tasks
  std::size_t ready_count_ = 0;                 // entries in all queues, stale ones too
  std::uint64_t completed_ = 0;                 // tasks finished with a result, ever
  std::uint64_t erred_total_ = 0;               // tasks that erred, ever
  std::uint64_t bytes_transferred_ = 0;         // between workers, ever
  std::vector<prefix_stats> prefixes_;          // per function
  task_stream stream_{100000};
  std::uint64_t batch_seq_ = 0;
  std::uint32_t rr_ = 0;  // round-robin start for placement ties
  std::uint64_t illegal_transitions_ = 0;
  std::vector<std::uint32_t> forget_stack_;
  std::vector<std::uint8_t> eligible_;  // per worker, during one dispatch
  std::vector<std::uint64_t> head_;     // per entry of ready_functions_, during one dispatch
};

} // namespace troupe::internal
