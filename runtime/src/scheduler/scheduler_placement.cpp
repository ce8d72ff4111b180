// Where ready tasks run: each goes, lowest priority first, to the worker with
// the earliest estimated start among those that have its function. A task
// whose function no worker has fails at once (while there are no workers at
// all, it waits for one); a function whose workers are all busy does not hold
// back the others, as each function has its own ready queue.
#include <algorithm>
#include <limits>
#include <string>

#include "common/error_payload.hpp"
#include "scheduler/scheduler_state.hpp"

namespace troupe::internal {

namespace {

// Keep about this much estimated work queued per worker thread, so tiny
// tasks travel in big batches and long ones are not hoarded.
constexpr double queued_seconds_per_thread = 0.005;
constexpr std::uint64_t max_queued_per_thread = 1024;
constexpr double transfer_bytes_per_second = 100e6;

} // namespace

std::uint32_t scheduler_state::join(worker_record w, outbox& out) {
  w.id = static_cast<std::uint32_t>(workers_.size());
  w.alive = true;
  for (auto& row : can_run_)
    row.push_back(w.any_function ? 1 : 0);
  for (auto f : w.functions)
    can_run_[f][w.id] = 1;
  workers_.push_back(std::move(w));
  auto id = workers_.back().id;
  check_lifetime_waiters(out);  // a newcomer takes over from a leaving worker
  dispatch(out);
  return id;
}

void scheduler_state::make_ready(std::uint32_t idx) {
  set_state(idx, task_state::ready);
  auto fn = records_[idx].function;
  auto& q = ready_[fn];
  q.push({records_[idx].priority, idx});
  ++ready_count_;
  if (!q.listed) {
    q.listed = true;
    ready_functions_.push_back(fn);
  }
}

bool scheduler_state::can_take(const worker_record& w) const {
  if (!w.alive || w.retiring)
    return false;
  if (w.processing < 2ull * w.nthreads)
    return true;
  return w.occupancy < queued_seconds_per_thread * w.nthreads
         && w.processing < max_queued_per_thread * w.nthreads;
}

bool scheduler_state::hungry(const worker_record& w) const {
  if (!w.alive || w.retiring)
    return false;
  if (w.processing < 2ull * w.nthreads)
    return true;
  // Low-water mark at half the window: a worker is topped up in big batches,
  // not one task per finished task (which would cost a message per task).
  return w.occupancy < 0.5 * queued_seconds_per_thread * w.nthreads
         && w.processing < max_queued_per_thread / 2 * w.nthreads;
}

std::uint32_t scheduler_state::choose_worker(const task_record& t) const {
  std::uint32_t best = none;
  double best_cost = std::numeric_limits<double>::infinity();
  const auto& runs = can_run_[t.function];
  std::size_t n = workers_.size();
  for (std::size_t k = 0; k < n; ++k) {
    std::size_t id = (rr_ + k) % n;
    const auto& w = workers_[id];
    if (!eligible_[id] || !runs[id] || !can_take(w))
      continue;
    double cost = w.occupancy / w.nthreads;
    for (auto d : t.deps) {
      const auto& dep = records_[d];
      bool local = dep.holder == w.id;
      if (!local)
        if (auto it = extra_holders_.find(d); it != extra_holders_.end())
          local = std::find(it->second.begin(), it->second.end(), w.id) != it->second.end();
      if (!local)
        cost += static_cast<double>(dep.nbytes + 1024) / transfer_bytes_per_second;
    }
    if (cost < best_cost) {
      best_cost = cost;
      best = w.id;
    }
  }
  return best;
}

void scheduler_state::dispatch(outbox& out) {
  if (ready_functions_.empty())
    return;
  std::size_t n = workers_.size();
  eligible_.resize(n);
  bool any = false;
  bool open = false;  // a worker that takes work, now or later
  for (std::size_t i = 0; i < n; ++i) {
    open = open || (workers_[i].alive && !workers_[i].retiring);
    eligible_[i] = hungry(workers_[i]) ? 1 : 0;
    any = any || eligible_[i];
  }
  // Once per function, not per task: forget empty queues, and fail the tasks
  // of a function no worker has.
  auto& fns = ready_functions_;
  std::size_t kept = 0;
  for (auto fn : fns) {
    auto& q = ready_[fn];
    if (open && !q.empty() && !runnable(fn))
      fail_unrunnable(fn, out);
    if (q.empty())
      q.listed = false;
    else
      fns[kept++] = fn;
  }
  fns.resize(kept);
  if (!any || fns.empty())
    return;
  // Lowest priority first across the queues; a queue whose workers are all
  // full is skipped for the rest of this round. head_ caches each queue's
  // lowest priority (blocked or empty: the maximum), so picking costs a scan
  // of a few integers; only the loop below changes the queues.
  constexpr auto skip = std::numeric_limits<std::uint64_t>::max();
  head_.resize(fns.size());
  for (std::size_t k = 0; k < fns.size(); ++k)
    head_[k] = ready_[fns[k]].top().first;
  for (;;) {
    std::size_t best = 0;
    for (std::size_t k = 1; k < fns.size(); ++k)
      if (head_[k] < head_[best])
        best = k;
    if (head_[best] == skip)
      return;
    auto& q = ready_[fns[best]];
    auto [prio, idx] = q.top();
    auto& r = records_[idx];
    std::uint32_t w = none;
    if (r.state == task_state::ready && r.priority == prio) {
      w = choose_worker(r);
      if (w == none) {
        head_[best] = skip;
        continue;
      }
    }  // else a stale entry: cancelled, or re-queued
    q.pop();
    --ready_count_;
    head_[best] = q.empty() ? skip : q.top().first;
    if (w != none)
      assign(idx, w, out);
  }
}

// Whether a live worker that takes work has the function.
bool scheduler_state::runnable(std::uint32_t function) const {
  const auto& runs = can_run_[function];
  for (const auto& w : workers_)
    if (w.alive && !w.retiring && runs[w.id])
      return true;
  return false;
}

void scheduler_state::fail_unrunnable(std::uint32_t function, outbox& out) {
  std::string message = no_worker_message(function);
  std::string payload = error_payload(functions_[function], "troupe::unknown_task", message);
  auto& q = ready_[function];
  std::size_t failed = 0;
  while (!q.empty()) {
    auto [prio, idx] = q.top();
    q.pop();
    --ready_count_;
    // Erring one forgets the others' records only if they are stale.
    if (records_[idx].state == task_state::ready && records_[idx].priority == prio) {
      on_error(idx, payload, out);
      ++failed;
    }
  }
  if (failed > 0)
    out.warnings.push_back(message + ": " + std::to_string(failed) + " tasks failed");
}

std::string scheduler_state::no_worker_message(std::uint32_t function) const {
  std::string names;
  for (const auto& w : workers_) {
    if (!w.alive)
      continue;
    // The user's functions: troupe's own array tasks are on every worker.
    std::size_t count = 0;
    for (auto f : w.functions)
      count += functions_[f].rfind("array.", 0) == 0 ? 0 : 1;
    names += (names.empty() ? "" : ", ") + w.name + " ["
             + (w.any_function ? std::string{"any function"}
                               : std::to_string(count) + (count == 1 ? " function" : " functions"))
             + (w.retiring ? ", retiring]" : "]");
  }
  return "no worker has task function '" + functions_[function] + "' (workers: " + names
         + "); register it with TROUPE_TASK in the workers' program, or load its library "
           "with `troupe worker --load`";
}

void scheduler_state::assign(std::uint32_t idx, std::uint32_t worker, outbox& out) {
  auto& r = records_[idx];
  auto& w = workers_[worker];
  set_state(idx, task_state::processing);
  r.holder = worker;
  double est = duration_estimate(r.function);
  r.est = static_cast<float>(est);
  ++w.processing;
  w.occupancy += est;
  rr_ = (worker + 1) % static_cast<std::uint32_t>(workers_.size());
  auto& b = out.runs[worker];
  if (b.keys.empty()) {
    std::size_t n = std::min<std::size_t>(ready_count_ + 1, max_queued_per_thread * w.nthreads);
    b.keys.reserve(n);
    b.tickets.reserve(n);
    b.function.reserve(n);
    b.arg_end.reserve(n);
    b.dep_end.reserve(n);
    b.args.reserve(n * 8);
  }
  std::string_view fname = functions_[r.function];
  std::uint32_t fi = 0;
  while (fi < b.functions.size() && b.functions[fi] != fname)
    ++fi;
  if (fi == b.functions.size())
    b.functions.emplace_back(fname);
  b.keys.push_back(r.key);
  b.tickets.push_back(idx);
  b.function.push_back(fi);
  b.args.append(chunks_[r.chunk].args, r.arg_begin, r.arg_size);
  b.arg_end.push_back(b.args.size());
  for (auto d : r.deps) {
    const auto& dep = records_[d];
    b.deps.push_back(dep.key);
    std::uint32_t h = dep.holder;
    if (h != worker)
      if (auto it = extra_holders_.find(d); it != extra_holders_.end())
        for (auto x : it->second)
          if (x == worker)
            h = worker;
    b.dep_holder.push_back(h);
  }
  b.dep_end.push_back(static_cast<std::uint32_t>(b.deps.size()));
}

} // namespace troupe::internal
