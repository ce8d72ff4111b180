#include "scheduler/scheduler_state.hpp"

#include <algorithm>
#include <limits>

#include <msgpack.hpp>
#include <spdlog/spdlog.h>

#include "common/error_payload.hpp"
#include "troupe/serialization.hpp"

namespace troupe::internal {

namespace {

// Default estimate for a function never seen finishing (as Dask's
// "unknown-task-duration"): small windows until real durations arrive.
constexpr double unknown_duration = 0.5;

template <class V, class T>
void erase_value(V& v, const T& x) {
  auto i = std::find(v.begin(), v.end(), x);
  if (i != v.end()) {
    *i = v.back();
    v.pop_back();
  }
}

} // namespace

scheduler_state::scheduler_state(std::uint32_t allowed_failures)
    : index_(1024), allowed_failures_(allowed_failures) {}

// -- workers and clients ------------------------------------------------------

std::uint32_t scheduler_state::add_worker(std::string name, std::uint32_t nthreads,
                                          std::uint64_t memory_limit, outbox& out,
                                          const std::vector<std::string>& functions) {
  worker_record w;
  w.name = std::move(name);
  w.nthreads = std::max<std::uint32_t>(1, nthreads);
  w.memory_limit = memory_limit;
  for (auto& f : functions)
    w.functions.push_back(intern(f));
  std::sort(w.functions.begin(), w.functions.end());
  w.functions.erase(std::unique(w.functions.begin(), w.functions.end()), w.functions.end());
  return join(std::move(w), out);
}

std::uint32_t scheduler_state::add_worker(std::string name, std::uint32_t nthreads,
                                          std::uint64_t memory_limit, outbox& out) {
  worker_record w;
  w.name = std::move(name);
  w.nthreads = std::max<std::uint32_t>(1, nthreads);
  w.memory_limit = memory_limit;
  w.any_function = true;
  return join(std::move(w), out);
}

void scheduler_state::retire_workers(const std::vector<std::uint32_t>& ids, outbox& out) {
  // Mark all first, so no retiring worker is chosen to receive results.
  for (auto id : ids)
    if (id < workers_.size() && workers_[id].alive)
      workers_[id].retiring = true;
  dispatch(out);  // tasks only they could run fail now
  check_retiring(out);
}

void scheduler_state::retire_when_replaceable(const std::vector<std::uint32_t>& ids,
                                              outbox& out) {
  for (auto id : ids)
    if (std::find(lifetime_waiters_.begin(), lifetime_waiters_.end(), id)
        == lifetime_waiters_.end())
      lifetime_waiters_.push_back(id);
  check_lifetime_waiters(out);
}

void scheduler_state::check_lifetime_waiters(outbox& out) {
  std::vector<std::uint32_t> now;
  std::size_t kept = 0;
  for (auto id : lifetime_waiters_) {
    if (id >= workers_.size() || !workers_[id].alive || workers_[id].retiring)
      continue;  // gone, or retired another way
    auto& w = workers_[id];
    bool other = false, handing_over = false;
    for (auto& o : workers_)
      if (o.id != id && o.alive) {
        other = other || !o.retiring;
        handing_over = handing_over || o.retiring;
      }
    // Holding nothing, it may leave alone, unless a retiring worker may
    // yet need it as the receiver of its results.
    if (other || (w.n_keys == 0 && w.processing == 0 && !handing_over)) {
      // Marked here, before the next waiter looks: two workers whose
      // lifetimes end together do not both count on the other.
      w.retiring = true;
      now.push_back(id);
    } else {
      lifetime_waiters_[kept++] = id;
    }
  }
  lifetime_waiters_.resize(kept);
  if (!now.empty())
    retire_workers(now, out);
}

void scheduler_state::remove_worker(std::uint32_t id) {
  if (id < workers_.size())
    workers_[id].alive = false;
}

std::uint32_t scheduler_state::add_client() { return next_client_++; }

void scheduler_state::remove_client(std::uint32_t client, outbox& out) {
  std::vector<task_key> touched;
  index_.for_each([&](std::uint64_t key, std::uint32_t idx) {
    auto& r = records_[idx];
    bool hit = r.wanter == client;
    if (auto it = extra_wanters_.find(idx); it != extra_wanters_.end())
      for (auto& [c, n] : it->second)
        hit = hit || c == client;
    if (hit)
      touched.push_back(key);
  });
  for (auto key : touched) {
    auto idx = index_.find(key);
    while (drop_want(idx, client)) {
    }
  }
  // Releasing one task may forget others: look each up again.
  for (auto key : touched)
    if (auto idx = index_.find(key); idx != flat_key_map::npos)
      check_release(idx, out);
  check_retiring(out);
}

// -- submission ---------------------------------------------------------------

void scheduler_state::settle(std::uint32_t idx, std::string error,
                             std::vector<std::pair<std::uint32_t, std::string>>& failed) {
  if (!error.empty()) {
    set_state(idx, task_state::waiting);
    failed.emplace_back(idx, std::move(error));
  } else if (records_[idx].waiting_on == 0) {
    make_ready(idx);
  } else {
    set_state(idx, task_state::waiting);
  }
}

void scheduler_state::submit(std::uint32_t client, detail::task_batch& batch, outbox& out) {
  std::uint64_t seq = ++batch_seq_;
  std::uint32_t chunk_id;
  if (!free_chunks_.empty()) {
    chunk_id = free_chunks_.back();
    free_chunks_.pop_back();
  } else {
    chunk_id = static_cast<std::uint32_t>(chunks_.size());
    chunks_.emplace_back();
  }
  chunks_[chunk_id].args = std::move(batch.args);
  // The batch holds its chunk until the end: a task erred and forgotten
  // meanwhile must not free it under the rest.
  chunks_[chunk_id].live = 1;
  std::vector<std::uint32_t> fn_ids;
  fn_ids.reserve(batch.functions.size());
  for (auto& f : batch.functions)
    fn_ids.push_back(intern(f));
  std::vector<std::pair<std::uint32_t, std::string>> failed;
  std::size_t n = batch.size();
  for (std::size_t i = 0; i < n; ++i) {
    task_key key = batch.keys[i];
    if (index_.find(key) != flat_key_map::npos)
      continue;  // same pure key: already known, runs once (revived below if needed)
    std::uint32_t idx = new_record();
    index_.insert(key, idx);
    auto& r = records_[idx];
    r.key = key;
    r.priority = (seq << 32) | i;
    r.function = fn_ids.at(batch.function[i]);
    r.retries_left = static_cast<std::uint8_t>(batch.retries[i]);
    r.chunk = chunk_id;
    count_new(idx);
    r.arg_begin = i == 0 ? 0 : batch.arg_end[i - 1];
    r.arg_size = static_cast<std::uint32_t>(batch.arg_end[i] - r.arg_begin);
    ++chunks_[chunk_id].live;
    std::string error;
    for (std::uint32_t d = batch.deps_begin(i); d < batch.dep_end[i]; ++d) {
      std::uint32_t didx = index_.find(batch.deps[d]);
      if (didx == flat_key_map::npos || didx == idx) {
        error = error_payload(functions_[r.function], "troupe::unknown_dependency",
                              "dependency " + detail::format_key("key", batch.deps[d])
                                + " is not on the cluster (released or never submitted)");
        continue;
      }
      auto& dep = records_[didx];
      if (std::find(r.deps.begin(), r.deps.end(), didx) != r.deps.end())
        continue;  // the same future twice: one edge
      r.deps.push_back(didx);
      dep.dependents.push_back(idx);
      ++dep.pending_dependents;
      dep.orphaned = false;
      if (dep.state == task_state::released)  // kept as lineage: compute it again
        recompute(didx, none, out);
      if (records_[didx].state == task_state::erred && error.empty())
        error = errors_[didx];
      else if (records_[didx].state != task_state::memory)
        ++r.waiting_on;
    }
    settle(idx, std::move(error), failed);
  }
  for (task_key key : batch.wanted) {
    std::uint32_t idx = index_.find(key);
    if (idx == flat_key_map::npos)
      continue;
    add_want(idx, client);
    if (records_[idx].state == task_state::released)
      recompute(idx, none, out);
    auto& r = records_[idx];
    if (r.state == task_state::memory)
      notify_client(idx, client, proto::key_status::memory, {}, out);
    else if (r.state == task_state::erred)
      notify_client(idx, client, proto::key_status::erred, errors_[idx], out);
  }
  for (auto& [idx, payload] : failed)
    if (!stale(idx))  // an earlier one's error may have erred and forgotten it
      on_error(idx, std::move(payload), out);
  if (--chunks_[chunk_id].live == 0) {
    chunks_[chunk_id].args = std::string{};
    free_chunks_.push_back(chunk_id);
  }
  dispatch(out);
}

// -- completion ---------------------------------------------------------------

void scheduler_state::finished(const proto::done_batch& b, outbox& out) {
  std::uint32_t w = b.worker;
  // The slice's tasks ran one after another from b.start_ns.
  std::uint64_t start_ns = b.start_ns;
  for (std::size_t i = 0; i < b.keys.size(); ++i) {
    std::uint64_t task_start = start_ns;
    start_ns += b.duration_ns[i];
    task_key key = b.keys[i];
    std::uint32_t idx = b.tickets[i];
    if (idx >= records_.size() || records_[idx].key != key)
      idx = index_.find(key);
    auto outcome = b.outcomes[i];
    bool ok = outcome == proto::outcome::ok || outcome == proto::outcome::ok_inline;
    if (idx == flat_key_map::npos || records_[idx].state != task_state::processing
        || records_[idx].holder != w) {
      if (ok && (idx == flat_key_map::npos || records_[idx].holder != w))
        out.frees[w].keys.push_back(key);  // nobody tracks this copy
      continue;
    }
    auto& r = records_[idx];
    unassign(r);
    double seconds = b.duration_ns[i] * 1e-9;
    if (outcome != proto::outcome::missing_dep) {
      stream_.push({task_start, start_ns, b.nbytes[i], w, r.function,
                    static_cast<std::int32_t>(b.thread),
                    ok ? stream_record::task : stream_record::erred});
      auto& p = prefixes_[r.function];
      p.durations.add(seconds);
      p.seconds += seconds;
      p.done += ok ? 1 : 0;
    }
    double& est = durations_[r.function];
    bool first = est < 0;
    est = first ? seconds : 0.8 * est + 0.2 * seconds;
    if (first)
      refresh_occupancy();
    std::string_view data = proto::data_of(b, i);
    switch (outcome) {
      case proto::outcome::ok:
      case proto::outcome::ok_inline:
        ++completed_;
        on_memory(idx, w, b.nbytes[i], outcome == proto::outcome::ok_inline ? data : std::string_view{},
                  out);
        break;
      case proto::outcome::failed:
        if (r.retries_left > 0 && !r.orphaned) {
          --r.retries_left;
          requeue(idx, out);
        } else {
          on_error(idx, std::string{data}, out);
        }
        break;
      case proto::outcome::missing_dep:
        // An input's holder died (or it moved): requeue waits for it if it is
        // being recomputed.
        if (++r.fetch_failures > 3)
          on_error(idx, std::string{data}, out);
        else
          requeue(idx, out);
        break;
    }
  }
  dispatch(out);
  check_retiring(out);
}

void scheduler_state::on_memory(std::uint32_t idx, std::uint32_t worker, std::uint64_t nbytes,
                                std::string_view inline_data, outbox& out) {
  auto& r = records_[idx];
  set_state(idx, task_state::memory);
  r.holder = none;
  r.orphaned = false;  // not wanted, then: check_release below frees it
  add_holder(idx, worker, nbytes);
  notify(idx, inline_data.empty() ? proto::key_status::memory : proto::key_status::memory_inline,
         inline_data, out);
  for (auto d : r.dependents) {
    auto& dep = records_[d];
    if (dep.state == task_state::waiting && dep.waiting_on > 0 && --dep.waiting_on == 0)
      make_ready(d);
  }
  // It no longer needs its inputs' results, but keeps the edges: they are
  // its lineage, to recompute it if its holders die.
  for (auto d : r.deps)
    drop_dependent_ref(d, out);
  check_release(idx, out);
}

void scheduler_state::on_error(std::uint32_t first, std::string payload, outbox& out) {
  std::vector<std::uint32_t> stack{first};
  std::vector<std::pair<std::uint32_t, bool>> done;  // task, was it waiting for its inputs
  while (!stack.empty()) {
    std::uint32_t idx = stack.back();
    stack.pop_back();
    auto& r = records_[idx];
    // The first may be a lost result (memory) that cannot be recomputed.
    if (r.state == task_state::erred || (idx != first && r.state == task_state::memory))
      continue;
    bool pending = r.state == task_state::waiting || r.state == task_state::ready
                   || r.state == task_state::processing;
    if (r.state == task_state::processing)
      unassign(r);
    set_state(idx, task_state::erred);
    ++erred_total_;
    ++prefixes_[r.function].erred;
    r.holder = none;
    errors_[idx] = payload;
    notify(idx, proto::key_status::erred, payload, out);
    for (auto d : r.dependents)
      if (records_[d].state == task_state::waiting || records_[d].state == task_state::ready)
        stack.push_back(d);
    done.emplace_back(idx, pending);
  }
  // Failed tasks are not recomputed: they drop their inputs, lineage and all,
  // every one before anything is forgotten (forget trusts an erred task to
  // hold no input). Then forget what nobody wants.
  std::vector<std::uint32_t> inputs;
  for (auto [idx, pending] : done) {
    auto deps = std::move(records_[idx].deps);
    records_[idx].deps.clear();
    for (auto d : deps) {
      auto& dep = records_[d];
      erase_value(dep.dependents, idx);
      if (pending && dep.pending_dependents > 0)
        --dep.pending_dependents;
      inputs.push_back(d);
    }
  }
  for (auto d : inputs)
    if (!stale(d))
      check_release(d, out);
  for (auto [idx, pending] : done)
    if (!stale(idx) && records_[idx].state == task_state::erred)
      check_release(idx, out);
}

void scheduler_state::acquired(const proto::acquired& msg, outbox& out) {
  std::uint32_t w = msg.worker;
  if (w >= workers_.size() || !workers_[w].alive)
    return;  // sent before it died: its copies are gone
  spdlog::debug("troupe scheduler: worker {} acquired {} results", w, msg.keys.size());
  for (std::size_t i = 0; i < msg.keys.size(); ++i) {
    std::uint32_t idx = index_.find(msg.keys[i]);
    if (idx == flat_key_map::npos) {
      out.frees[w].keys.push_back(msg.keys[i]);
      continue;
    }
    auto& r = records_[idx];
    if (r.state == task_state::processing && r.scattered && r.holder == w) {
      on_memory(idx, w, msg.nbytes[i], {}, out);
      continue;
    }
    if (r.state != task_state::memory) {
      out.frees[w].keys.push_back(msg.keys[i]);
      continue;
    }
    add_holder(idx, w, msg.nbytes[i]);
    // A copy arrived: drop holders that are handing their results over.
    std::vector<std::uint32_t> holders{r.holder};
    if (auto it = extra_holders_.find(idx); it != extra_holders_.end())
      holders.insert(holders.end(), it->second.begin(), it->second.end());
    for (auto h : holders) {
      auto& hw = workers_[h];
      if (h == w || !hw.moving)
        continue;
      drop_holder(idx, h);
      if (hw.moves_pending > 0 && --hw.moves_pending == 0)
        out.retired.push_back(h);
    }
    // Arrived on a worker that is itself handing over (retired meanwhile):
    // pass it on.
    auto& ww = workers_[w];
    if (ww.moving && r.holder == w && extra_holders_.count(idx) == 0) {
      for (auto& o : workers_)
        if (o.alive && !o.retiring) {
          out.moves.push_back({w, o.id, {r.key}});
          ++ww.moves_pending;
          ww.move_targets.push_back(o.id);
          break;
        }
    }
  }
  dispatch(out);
}

void scheduler_state::scatter(std::uint32_t client, proto::scatter& msg, outbox& out) {
  std::uint32_t fn = intern("scatter");
  for (std::size_t i = 0; i < msg.keys.size(); ++i) {
    task_key key = msg.keys[i];
    std::uint32_t idx = index_.find(key);
    bool again = idx != flat_key_map::npos && records_[idx].state == task_state::released;
    if (idx != flat_key_map::npos && !(again && records_[idx].scattered)) {
      add_want(idx, client);
      if (again)  // kept as lineage, computed: compute it again
        recompute(idx, none, out);
      if (records_[idx].state == task_state::memory)
        notify_client(idx, client, proto::key_status::memory, {}, out);
      continue;
    }
    std::uint32_t target = none;
    for (auto& w : workers_)
      if (w.alive && !w.retiring
          && (target == none || w.managed_bytes < workers_[target].managed_bytes))
        target = w.id;
    if (!again) {  // else: released scattered data kept as lineage; store it again
      idx = new_record();
      index_.insert(key, idx);
    }
    auto& r = records_[idx];
    r.key = key;
    r.function = fn;
    if (!again)
      count_new(idx);
    r.scattered = true;
    add_want(idx, client);
    if (target == none) {
      set_state(idx, task_state::waiting);
      on_error(idx, error_payload("scatter", "troupe::no_workers", "no worker to hold the data"),
               out);
      continue;
    }
    set_state(idx, task_state::processing);
    r.holder = target;
    auto& s = out.stores[target];
    s.keys.push_back(key);
    proto::append_data(s, proto::data_of(msg, i));
  }
}

// -- release and cancel -------------------------------------------------------

void scheduler_state::release(std::uint32_t client, const std::vector<task_key>& keys,
                              outbox& out) {
  for (auto key : keys) {
    std::uint32_t idx = index_.find(key);
    if (idx == flat_key_map::npos)
      continue;
    drop_want(idx, client);
    check_release(idx, out);
  }
  check_retiring(out);
}

void scheduler_state::cancel(std::uint32_t, const std::vector<task_key>& keys, outbox& out) {
  for (auto key : keys) {
    std::uint32_t idx = index_.find(key);
    if (idx != flat_key_map::npos)
      cancel_one(idx, out);
  }
  dispatch(out);
  check_retiring(out);
}

void scheduler_state::cancel_one(std::uint32_t first, outbox& out) {
  // The task and everything downstream that has not finished.
  std::vector<std::uint32_t> order{first};
  for (std::size_t i = 0; i < order.size(); ++i)
    for (auto d : records_[order[i]].dependents) {
      auto s = records_[d].state;
      if ((s == task_state::waiting || s == task_state::ready || s == task_state::processing)
          && std::find(order.begin(), order.end(), d) == order.end())
        order.push_back(d);
    }
  for (auto idx : order) {
    notify(idx, proto::key_status::cancelled, {}, out);
    records_[idx].wanter = none;
    records_[idx].wanter_count = 0;
    extra_wanters_.erase(idx);
  }
  for (auto it = order.rbegin(); it != order.rend(); ++it)
    if (!stale(*it))
      check_release(*it, out);
}

bool scheduler_state::wanted(std::uint32_t idx) const {
  return records_[idx].wanter != none || extra_wanters_.count(idx) != 0;
}

void scheduler_state::add_want(std::uint32_t idx, std::uint32_t client) {
  auto& r = records_[idx];
  r.orphaned = false;
  if (r.wanter == none || r.wanter == client) {
    r.wanter = client;
    ++r.wanter_count;
    return;
  }
  auto& extra = extra_wanters_[idx];
  for (auto& [c, n] : extra)
    if (c == client) {
      ++n;
      return;
    }
  extra.emplace_back(client, 1);
}

bool scheduler_state::drop_want(std::uint32_t idx, std::uint32_t client) {
  auto& r = records_[idx];
  auto it = extra_wanters_.find(idx);
  if (r.wanter == client) {
    if (--r.wanter_count == 0) {
      r.wanter = none;
      if (it != extra_wanters_.end()) {  // promote another client
        r.wanter = it->second.back().first;
        r.wanter_count = it->second.back().second;
        it->second.pop_back();
        if (it->second.empty())
          extra_wanters_.erase(it);
      }
    }
    return true;
  }
  if (it == extra_wanters_.end())
    return false;
  for (auto& [c, n] : it->second)
    if (c == client) {
      if (--n == 0) {
        erase_value(it->second, std::pair{c, std::uint32_t{0}});
        if (it->second.empty())
          extra_wanters_.erase(it);
      }
      return true;
    }
  return false;
}

bool scheduler_state::needed(std::uint32_t idx) const {
  return wanted(idx) || records_[idx].pending_dependents > 0;
}

void scheduler_state::check_release(std::uint32_t idx, outbox& out) {
  auto& r = records_[idx];
  if (needed(idx))
    return;
  if (r.state == task_state::processing)
    r.orphaned = true;
  else
    forget(idx, out);
}

// A freed record (forgotten meanwhile) no longer owns its key.
bool scheduler_state::stale(std::uint32_t idx) const {
  return index_.find(records_[idx].key) != idx;
}

void scheduler_state::drop_dependent_ref(std::uint32_t dep, outbox& out) {
  auto& r = records_[dep];
  if (r.pending_dependents > 0)
    --r.pending_dependents;
  check_release(dep, out);
}

void scheduler_state::forget(std::uint32_t first, outbox& out) {
  auto& stack = forget_stack_;  // reused: forgetting runs once per task
  stack.clear();
  stack.push_back(first);
  while (!stack.empty()) {
    std::uint32_t idx = stack.back();
    stack.pop_back();
    auto& r = records_[idx];
    // A task can be pushed twice (unneeded, then without dependents): the
    // second time it may be gone, or have nothing left to drop.
    bool keep = !r.dependents.empty();  // lineage of a dependent's result
    if (stale(idx) || needed(idx) || (r.state == task_state::released && keep))
      continue;
    if (r.state == task_state::processing) {
      r.orphaned = true;
      continue;
    }
    bool pending = r.state == task_state::waiting || r.state == task_state::ready;
    if (r.state == task_state::memory)
      free_on_holders(idx, out);
    if (r.state != task_state::released)
      set_state(idx, task_state::released);
    errors_.erase(idx);
    if (keep && !pending)
      continue;
    for (auto d : r.deps) {
      auto& dep = records_[d];
      if (!keep)
        erase_value(dep.dependents, idx);
      if (pending && dep.pending_dependents > 0)
        --dep.pending_dependents;
      if (needed(d))
        continue;
      if (dep.state == task_state::processing)
        dep.orphaned = true;
      else if (dep.state != task_state::released || dep.dependents.empty())
        stack.push_back(d);
    }
    if (!keep)
      erase_record(idx);
  }
}

void scheduler_state::erase_record(std::uint32_t idx) {
  auto& r = records_[idx];
  --prefixes_[r.function].by_state[static_cast<std::size_t>(r.state)];
  if (r.chunk != none) {
    auto& c = chunks_[r.chunk];
    if (--c.live == 0) {
      c.args = std::string{};
      free_chunks_.push_back(r.chunk);
    }
  }
  errors_.erase(idx);
  deaths_.erase(idx);
  extra_holders_.erase(idx);
  extra_wanters_.erase(idx);
  index_.erase(r.key);
  r = task_record{};
  free_records_.push_back(idx);
}

void scheduler_state::refresh_occupancy() {
  // Tasks sent while their function's duration was unknown were counted at
  // the default estimate; recount them now that a measurement exists.
  for (auto& w : workers_)
    w.occupancy = 0;
  index_.for_each([&](std::uint64_t, std::uint32_t idx) {
    auto& r = records_[idx];
    if (r.state != task_state::processing || r.holder == none || r.scattered)
      return;
    r.est = static_cast<float>(duration_estimate(r.function));
    workers_[r.holder].occupancy += r.est;
  });
}

void scheduler_state::unassign(task_record& r) {
  if (r.holder == none || r.scattered)
    return;
  auto& w = workers_[r.holder];
  if (w.processing > 0)
    --w.processing;
  w.occupancy = std::max(0.0, w.occupancy - r.est);
  r.holder = none;
}

// -- holders, retiring --------------------------------------------------------

void scheduler_state::add_holder(std::uint32_t idx, std::uint32_t worker, std::uint64_t nbytes) {
  auto& r = records_[idx];
  r.nbytes = nbytes;
  if (r.holder == worker)
    return;
  if (r.holder == none) {
    r.holder = worker;
  } else {
    auto& extra = extra_holders_[idx];
    if (std::find(extra.begin(), extra.end(), worker) != extra.end())
      return;
    extra.push_back(worker);
  }
  workers_[worker].managed_bytes += nbytes;
  ++workers_[worker].n_keys;
}

// Removes `worker` from the holders of idx; false if it held no copy.
bool scheduler_state::drop_holder(std::uint32_t idx, std::uint32_t worker) {
  auto& r = records_[idx];
  auto it = extra_holders_.find(idx);
  bool extra = it != extra_holders_.end();
  if (r.holder == worker) {
    r.holder = extra ? it->second.back() : none;
    if (extra)
      it->second.pop_back();
  } else if (extra && std::find(it->second.begin(), it->second.end(), worker) != it->second.end()) {
    erase_value(it->second, worker);
  } else {
    return false;
  }
  if (extra && it->second.empty())
    extra_holders_.erase(it);
  auto& w = workers_[worker];
  w.managed_bytes -= std::min(w.managed_bytes, r.nbytes);
  w.n_keys -= std::min<std::uint64_t>(w.n_keys, 1);
  return true;
}

void scheduler_state::free_on_holders(std::uint32_t idx, outbox& out) {
  auto& r = records_[idx];
  auto drop = [&](std::uint32_t h) {
    auto& w = workers_[h];
    w.managed_bytes -= std::min(w.managed_bytes, r.nbytes);
    w.n_keys -= std::min<std::uint64_t>(w.n_keys, 1);
    if (w.alive)
      out.frees[h].keys.push_back(r.key);
  };
  if (r.holder != none)
    drop(r.holder);
  if (auto it = extra_holders_.find(idx); it != extra_holders_.end()) {
    for (auto h : it->second)
      drop(h);
    extra_holders_.erase(it);
  }
  r.holder = none;
}

void scheduler_state::check_retiring(outbox& out) {
  for (auto& w : workers_) {
    if (!w.alive || !w.retiring || w.moving || w.processing > 0)
      continue;
    w.moving = true;
    w.move_targets.clear();
    std::unordered_map<std::uint32_t, std::vector<task_key>> plan;
    std::vector<std::uint32_t> lost;
    index_.for_each([&](std::uint64_t, std::uint32_t idx) {
      auto& r = records_[idx];
      if (r.state != task_state::memory)
        return;
      auto it = extra_holders_.find(idx);
      bool here = r.holder == w.id
                  || (it != extra_holders_.end()
                      && std::find(it->second.begin(), it->second.end(), w.id) != it->second.end());
      if (!here)
        return;
      if (it != extra_holders_.end()) {  // another copy exists: just drop this one
        drop_holder(idx, w.id);
        return;
      }
      std::uint32_t target = none;
      for (auto& o : workers_)
        if (o.alive && !o.retiring
            && (target == none || o.managed_bytes < workers_[target].managed_bytes))
          target = o.id;
      if (target == none) {
        lost.push_back(idx);
        return;
      }
      plan[target].push_back(r.key);
      // Count the planned bytes now, so the next key picks a fair target.
      workers_[target].managed_bytes += r.nbytes;
      ++w.moves_pending;
    });
    for (auto& [target, keys] : plan) {
      std::uint64_t planned = 0;
      for (auto k : keys)
        planned += records_[index_.find(k)].nbytes;
      workers_[target].managed_bytes -= planned;  // add_holder counts them on arrival
      w.move_targets.push_back(target);
      out.moves.push_back({w.id, target, std::move(keys)});
    }
    // Erring them (memory -> erred) tells the wanters and the dependents.
    for (auto idx : lost) {
      if (stale(idx) || records_[idx].state != task_state::memory)
        continue;  // an earlier error released it
      drop_holder(idx, w.id);
      on_error(idx,
               error_payload(functions_[records_[idx].function], "troupe::lost_result",
                             "the result was lost: its worker retired and no worker remained"),
               out);
    }
    spdlog::debug("troupe scheduler: worker {} retiring: {} results to move, {} lost", w.id,
                  w.moves_pending, lost.size());
    if (w.moves_pending == 0)
      out.retired.push_back(w.id);
  }
}

// -- small helpers ------------------------------------------------------------

void scheduler_state::notify(std::uint32_t idx, proto::key_status status, std::string_view data,
                             outbox& out) {
  auto& r = records_[idx];
  if (r.wanter != none)
    notify_client(idx, r.wanter, status, data, out);
  if (auto it = extra_wanters_.find(idx); it != extra_wanters_.end())
    for (auto& [c, n] : it->second)
      notify_client(idx, c, status, data, out);
}

void scheduler_state::notify_client(std::uint32_t idx, std::uint32_t client,
                                    proto::key_status status, std::string_view data,
                                    outbox& out) {
  auto& u = out.updates[client];
  if (u.keys.empty()) {
    u.keys.reserve(256);
    u.status.reserve(256);
    u.holder.reserve(256);
    u.data_end.reserve(256);
  }
  u.keys.push_back(records_[idx].key);
  u.status.push_back(status);
  u.holder.push_back(records_[idx].holder);
  proto::append_data(u, data);
}

void scheduler_state::set_state(std::uint32_t idx, task_state to) {
  auto& r = records_[idx];
  if (!legal_transition(r.state, to)) {
    ++illegal_transitions_;
    spdlog::error("troupe scheduler: illegal transition {} -> {} for task {}", to_string(r.state),
                  to_string(to), detail::format_key(functions_[r.function], r.key));
  }
  auto& counts = prefixes_[r.function].by_state;
  --counts[static_cast<std::size_t>(r.state)];
  ++counts[static_cast<std::size_t>(to)];
  r.state = to;
}

void scheduler_state::count_new(std::uint32_t idx) {
  auto& r = records_[idx];
  auto& p = prefixes_[r.function];
  auto& c = p.by_state;
  using s = task_state;
  auto active = [&](s st) { return c[static_cast<std::size_t>(st)]; };
  if (active(s::waiting) + active(s::ready) + active(s::processing) + active(s::memory)
        + active(s::erred)
      == 0)
    p.total = p.done = p.erred = 0;  // a new round
  ++p.total;
  ++c[static_cast<std::size_t>(r.state)];
}

void scheduler_state::record_metrics(const proto::worker_metrics& m) {
  if (m.worker >= workers_.size() || !workers_[m.worker].alive)
    return;
  auto& w = workers_[m.worker];
  w.rss = m.rss;
  w.cpu = m.cpu;
  w.spilled = m.spilled;
  for (std::size_t i = 0; i < m.transfer_bytes.size(); ++i) {
    stream_.push({m.transfer_start_ns[i], m.transfer_stop_ns[i], m.transfer_bytes[i], m.worker, 0,
                  -1, stream_record::transfer});
    w.bytes_received += m.transfer_bytes[i];
    bytes_transferred_ += m.transfer_bytes[i];
  }
}

std::uint32_t scheduler_state::intern(std::string_view name) {
  auto it = function_ids_.find(std::string{name});
  if (it != function_ids_.end())
    return it->second;
  auto id = static_cast<std::uint32_t>(functions_.size());
  functions_.emplace_back(name);
  durations_.push_back(-1);
  prefixes_.emplace_back();
  ready_.emplace_back();
  auto& row = can_run_.emplace_back(workers_.size(), 0);
  for (auto& w : workers_)
    row[w.id] = w.any_function ? 1 : 0;
  function_ids_.emplace(std::string{name}, id);
  return id;
}

std::uint32_t scheduler_state::new_record() {
  if (!free_records_.empty()) {
    auto idx = free_records_.back();
    free_records_.pop_back();
    return idx;
  }
  records_.emplace_back();
  return static_cast<std::uint32_t>(records_.size() - 1);
}

double scheduler_state::duration_estimate(std::uint32_t function) const {
  double d = durations_[function];
  return d < 0 ? unknown_duration : d;
}

const task_record* scheduler_state::find(task_key key) const {
  auto idx = index_.find(key);
  return idx == flat_key_map::npos ? nullptr : &records_[idx];
}

std::uint32_t scheduler_state::holder_of(task_key key) const {
  auto* r = find(key);
  return r && r->state == task_state::memory ? r->holder : none;
}

std::size_t scheduler_state::n_workers() const {
  std::size_t n = 0;
  for (auto& w : workers_)
    n += w.alive ? 1 : 0;
  return n;
}

std::vector<std::uint32_t> scheduler_state::worker_ids() const {
  std::vector<std::uint32_t> ids;
  for (auto& w : workers_)
    if (w.alive)
      ids.push_back(w.id);
  return ids;
}

std::vector<std::uint64_t> scheduler_state::task_counts() const {
  // Summed from the per-prefix counts: no walk over the tasks.
  std::vector<std::uint64_t> c(6, 0);
  using s = task_state;
  for (auto& p : prefixes_) {
    c[0] += p.by_state[static_cast<std::size_t>(s::waiting)];
    c[1] += p.by_state[static_cast<std::size_t>(s::ready)];
    c[2] += p.by_state[static_cast<std::size_t>(s::processing)];
    c[3] += p.by_state[static_cast<std::size_t>(s::memory)];
    c[4] += p.by_state[static_cast<std::size_t>(s::erred)];
  }
  c[5] = completed_;
  return c;
}

} // namespace troupe::internal
