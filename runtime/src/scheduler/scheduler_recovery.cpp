// What the scheduler does when a worker dies without warning, so that losing
// a worker loses nothing. As Dask's remove_worker: the tasks it was running go
// to other workers (one that keeps killing workers errs: allowed_failures),
// the results only it held are recomputed from their lineage if still needed,
// and scattered data, which has no lineage, errs.
#include <algorithm>
#include <string>

#include "common/error_payload.hpp"
#include "scheduler/scheduler_state.hpp"

namespace troupe::internal {

void scheduler_state::lose_worker(std::uint32_t id, outbox& out) {
  if (id >= workers_.size() || !workers_[id].alive)
    return;
  auto& w = workers_[id];
  w.alive = false;  // first: nothing below sends it work or results
  bool was_retiring = w.retiring;
  std::vector<std::uint32_t> running, lost;
  index_.for_each([&](std::uint64_t, std::uint32_t idx) {
    auto& r = records_[idx];
    if (r.state == task_state::processing && r.holder == id)
      running.push_back(idx);
    else if (r.state == task_state::memory && drop_holder(idx, id) && r.holder == none)
      lost.push_back(idx);
  });
  out.warnings.push_back("worker '" + w.name + "' died: " + std::to_string(running.size())
                         + " tasks to run elsewhere, " + std::to_string(lost.size())
                         + " results lost");
  w.processing = 0;
  w.occupancy = 0;
  w.managed_bytes = 0;
  w.n_keys = 0;
  w.retiring = w.moving = false;
  w.moves_pending = 0;
  w.move_targets.clear();
  // Running tasks first: they count a lost input as in memory, and
  // recompute() then makes them wait for it like every other dependent.
  rerun_after_death(id, running, out);
  for (auto idx : lost) {
    if (stale(idx) || records_[idx].state != task_state::memory)
      continue;  // released meanwhile (its last dependent erred)
    if (needed(idx))
      recompute(idx, id, out);
    else
      forget(idx, out);
  }
  replan_moves_to(id);
  // Its retire is over; the actor answers who waits for it on `retired`.
  if (was_retiring)
    out.retired.push_back(id);
  dispatch(out);
  check_retiring(out);
}

// The tasks the dead worker was running: each counts one death; past
// allowed_failures it errs (it may be what kills them), else it runs again.
void scheduler_state::rerun_after_death(std::uint32_t dead,
                                        const std::vector<std::uint32_t>& tasks, outbox& out) {
  for (auto idx : tasks) {
    auto& r = records_[idx];
    if (stale(idx) || r.state != task_state::processing)
      continue;
    r.holder = none;  // the dead worker's counters were reset as a whole
    if (r.scattered) {  // data on its way there: the client's copy is all there was
      on_error(idx, lost_data_payload(idx, dead), out);
      continue;
    }
    auto& deaths = deaths_[idx];
    deaths.push_back(dead);
    if (deaths.size() > allowed_failures_) {
      on_error(idx, killed_worker_payload(idx), out);
      continue;
    }
    bool orphaned = r.orphaned;
    r.orphaned = false;
    requeue(idx, out);
    if (orphaned)
      check_release(idx, out);  // nobody needs it: not run again
  }
}

// Puts a task that stopped processing back in line: ready if its inputs are
// in memory, waiting if one is being recomputed, erred if one cannot be.
void scheduler_state::requeue(std::uint32_t idx, outbox& out) {
  auto& r = records_[idx];
  r.waiting_on = 0;
  for (auto d : r.deps) {
    if (records_[d].state == task_state::released)
      recompute(d, none, out);
    auto& dep = records_[d];
    if (dep.state == task_state::erred) {
      on_error(idx, errors_[d], out);
      return;
    }
    if (dep.state != task_state::memory)
      ++r.waiting_on;
  }
  if (r.waiting_on == 0)
    make_ready(idx);
  else
    set_state(idx, task_state::waiting);
}

// A result that is gone (its holders died, or it was released) is needed
// again: back to waiting/ready, with its released inputs, recursively. The
// arguments are still in their chunk: records keep it until forgotten.
void scheduler_state::recompute(std::uint32_t first, std::uint32_t dead, outbox& out) {
  std::vector<std::uint32_t> stack{first};
  std::vector<std::pair<std::uint32_t, std::string>> failed;
  while (!stack.empty()) {
    std::uint32_t idx = stack.back();
    stack.pop_back();
    auto& r = records_[idx];
    bool lost = r.state == task_state::memory;
    if (!lost && r.state != task_state::released)
      continue;  // already brought back through another dependent
    if (r.scattered) {
      failed.emplace_back(idx, lost_data_payload(idx, lost ? dead : none));
      continue;
    }
    if (lost)
      count_as_missing(idx);
    r.waiting_on = 0;
    std::string error;
    for (auto d : r.deps) {
      auto& dep = records_[d];
      ++dep.pending_dependents;
      dep.orphaned = false;
      if (dep.state == task_state::erred) {
        if (error.empty())
          error = errors_[d];
      } else if (dep.state != task_state::memory) {
        ++r.waiting_on;
        if (dep.state == task_state::released)
          stack.push_back(d);
      }
    }
    settle(idx, std::move(error), failed);
  }
  // Erring one may release another that nobody needs any more.
  for (auto& [idx, payload] : failed)
    if (!stale(idx))
      on_error(idx, std::move(payload), out);
}

// idx's result left memory: its dependents not yet sent wait for it again.
// Those processing elsewhere report missing_dep if they cannot fetch it.
void scheduler_state::count_as_missing(std::uint32_t idx) {
  for (auto d : records_[idx].dependents) {
    auto& dep = records_[d];
    if (dep.state != task_state::waiting && dep.state != task_state::ready)
      continue;
    ++dep.waiting_on;
    if (dep.state == task_state::ready)
      set_state(d, task_state::waiting);  // its entry in the ready queue goes stale
  }
}

// A retiring worker handing results to `dead` would wait forever for them to
// arrive: its hand-over starts again (check_retiring plans what it still
// holds; a copy already on its way just arrives twice).
void scheduler_state::replan_moves_to(std::uint32_t dead) {
  for (auto& m : workers_) {
    auto& t = m.move_targets;
    if (!m.alive || !m.moving || std::find(t.begin(), t.end(), dead) == t.end())
      continue;
    m.moving = false;
    m.moves_pending = 0;
    t.clear();
  }
}

std::string scheduler_state::killed_worker_payload(std::uint32_t idx) const {
  auto& r = records_[idx];
  auto& deaths = deaths_.at(idx);
  std::string names;
  for (auto w : deaths)
    names += (names.empty() ? "" : ", ") + workers_[w].name;
  return error_payload(functions_[r.function], "troupe::killed_worker",
                       "task '" + detail::format_key(functions_[r.function], r.key)
                         + "' was running on " + std::to_string(deaths.size())
                         + " workers that died: " + names + " (allowed_failures = "
                         + std::to_string(allowed_failures_) + ")");
}

std::string scheduler_state::lost_data_payload(std::uint32_t idx, std::uint32_t dead) const {
  auto& r = records_[idx];
  std::string what = "scattered data '" + detail::format_key(functions_[r.function], r.key) + "'";
  std::string why = dead == none
                      ? what + " was released while a task still needed it"
                      : what + " was lost: worker '" + workers_[dead].name
                          + "' that held it died";
  return error_payload(functions_[r.function], "troupe::lost_data",
                       why + ", and scattered data cannot be recomputed");
}

} // namespace troupe::internal
