#include "client/client_core.hpp"

#include <algorithm>
#include <thread>

#include <caf/actor_system.hpp>
#include <caf/send.hpp>

#include "client/client_actor.hpp"
#include "cluster/local_runtime.hpp"
#include "common/blocking_request.hpp"
#include "common/error_payload.hpp"
#include "common/logging.hpp"
#include "net/data_client.hpp"
#include "net/node.hpp"
#include "protocol/validate.hpp"
#include "troupe/config.hpp"
#include "troupe/task.hpp"
#include "troupe/errors.hpp"

namespace troupe::internal {

namespace {

using clock = std::chrono::steady_clock;

// Before sleeping on the condition variable, poll briefly: a result that is
// microseconds away then costs no thread wake-up.
bool spin_until_done(const detail::future_state& s) {
  for (int i = 0; i < 2000; ++i) {
    if (s.status.load(std::memory_order_acquire) != future_status::pending)
      return true;
    if (i > 64)
      std::this_thread::yield();
  }
  return false;
}

} // namespace

client_core::client_core(std::shared_ptr<actor_host> runtime, caf::actor scheduler,
                         std::string address)
  : runtime_(std::move(runtime)), address_(std::move(address)), scheduler_(std::move(scheduler)),
    index_(1024) {}

client_core::~client_core() = default;

void client_core::connect(std::chrono::nanoseconds timeout) {
  auto self = spawn_client_actor(runtime_->system(), shared_from_this(), scheduler_);
  {
    std::lock_guard lock{release_mutex_};
    release_target_ = self;
  }
  {
    std::lock_guard lock{mutex_};
    self_ = self;
  }
  id_ = blocking_request<std::uint32_t>(runtime_->system(), scheduler_, timeout,
                                        proto::client_hello{"client", self}, "connect");
}

bool client_core::closed() const {
  std::lock_guard lock{mutex_};
  return closed_;
}

void client_core::close() {
  flush_releases();
  caf::actor self;
  {
    std::lock_guard lock{mutex_};
    if (closed_ && !self_ && !runtime_)
      return;
    closed_ = true;
    if (close_reason_.empty())
      close_reason_ = "the client was closed";
    self = std::move(self_);
    self_ = caf::actor{};
    scheduler_ = caf::actor{};
    workers_.clear();
  }
  {
    std::lock_guard lock{release_mutex_};
    release_target_ = caf::actor{};
    releases_.clear();
  }
  cv_.notify_all();
  if (self)
    caf::anon_send_exit(self, caf::exit_reason::user_shutdown);
  self = caf::actor{};
  // Last: this may stop the actor system, when the cluster is gone already.
  auto rt = std::move(runtime_);
  rt.reset();
}

void client_core::on_disconnect(const std::string& why) {
  {
    std::lock_guard lock{mutex_};
    if (closed_)
      return;
    if (address_.rfind("tcp://", 0) != 0) {  // in-process: the cluster is gone
      closed_ = true;
      close_reason_ = why;
    } else {
      // As Dask's client: the work the scheduler had is lost (its futures
      // are cancelled), and the next call reconnects, with backoff.
      lost_ = true;
      spdlog::warn("troupe client: lost the scheduler at {} ({}); pending futures are "
                   "cancelled; the next call reconnects",
                   address_, why);
      for (auto& weak : slots_)
        if (auto st = weak.lock(); st && st->status.load() == future_status::pending)
          finish(*st, future_status::cancelled);
      index_ = flat_key_map{1024};
      slots_.clear();
      free_slots_.clear();
      workers_.clear();
      worker_names_.clear();
      worker_data_.clear();
    }
  }
  cv_.notify_all();
}

void client_core::reconnect_if_lost() {
  {
    std::lock_guard lock{mutex_};
    if (!lost_ || closed_)
      return;
  }
  auto* n = dynamic_cast<node*>(runtime_.get());
  auto timeout = current_config().client.connect_timeout;
  try {
    auto sched = n->connect(address_, timeout, "client");
    auto self = spawn_client_actor(runtime_->system(), shared_from_this(), sched);
    auto id = blocking_request<std::uint32_t>(runtime_->system(), sched, timeout,
                                              proto::client_hello{"client", self}, "reconnect");
    {
      std::lock_guard lock{release_mutex_};
      release_target_ = self;
      releases_.clear();  // keys of the old scheduler
    }
    std::lock_guard lock{mutex_};
    scheduler_ = sched;
    self_ = self;
    id_ = id;
    lost_ = false;
    spdlog::info("troupe client: reconnected to {}", address_);
  } catch (const error& e) {
    {
      std::lock_guard lock{mutex_};
      closed_ = true;
      close_reason_ = "lost the scheduler at " + address_ + " and could not reconnect: "
                      + e.what();
    }
    cv_.notify_all();
    throw connection_error("troupe: " + close_reason_);
  }
}

caf::actor client_core::scheduler() {
  reconnect_if_lost();
  std::lock_guard lock{mutex_};
  if (closed_)
    throw connection_error("troupe: " + close_reason_);
  return scheduler_;
}

caf::actor client_core::worker(std::uint32_t id) {
  {
    std::lock_guard lock{mutex_};
    auto it = workers_.find(id);
    if (it != workers_.end())
      return it->second;
  }
  refresh_directory(std::chrono::seconds(10));
  std::lock_guard lock{mutex_};
  auto it = workers_.find(id);
  return it == workers_.end() ? caf::actor{} : it->second;
}

void client_core::refresh_directory(std::chrono::nanoseconds timeout) {
  auto d = blocking_request<proto::worker_directory>(runtime_->system(), scheduler(), timeout,
                                                     proto::directory_request{}, "directory");
  set_directory(d);
}

// -- futures ------------------------------------------------------------------

detail::state_ptr client_core::state_for(detail::task_key key, const std::string& name,
                                         bool& created) {
  auto slot = index_.find(key);
  if (slot != flat_key_map::npos) {
    if (auto s = slots_[slot].lock()) {
      created = false;
      return s;
    }
  } else {
    if (!free_slots_.empty()) {
      slot = free_slots_.back();
      free_slots_.pop_back();
    } else {
      slot = static_cast<std::uint32_t>(slots_.size());
      slots_.emplace_back();
    }
    index_.insert(key, slot);
  }
  auto s = std::make_shared<detail::future_state>(key, name, shared_from_this());
  slots_[slot] = s;
  created = true;
  return s;
}

std::vector<detail::state_ptr> client_core::submit(detail::task_batch&& batch,
                                                   const std::vector<detail::task_key>& outputs,
                                                   const std::vector<std::string>& names) {
  reconnect_if_lost();
  flush_releases();
  std::vector<detail::state_ptr> states;
  states.reserve(outputs.size());
  caf::actor sched;
  {
    std::lock_guard lock{mutex_};
    if (closed_)
      throw connection_error("troupe: submit: " + close_reason_);
    sched = scheduler_;
    for (std::size_t i = 0; i < outputs.size(); ++i) {
      bool created = false;
      states.push_back(state_for(outputs[i], names.size() == 1 ? names[0] : names[i], created));
      if (created)
        batch.wanted.push_back(outputs[i]);
    }
  }
  caf::anon_send(sched, proto::submit{id_, std::move(batch)});
  return states;
}

std::vector<detail::state_ptr> client_core::scatter(std::vector<std::string>&& packed) {
  reconnect_if_lost();
  // One message carries it all: the scheduler drops a sender whose message
  // is over its limit, so refuse here, with the reason.
  std::uint64_t total = 0;
  for (auto& p : packed)
    total += p.size() + 8;
  if (auto limit = current_config().network.max_message_size; total > limit)
    throw config_error("troupe: scatter: " + std::to_string(total)
                       + " bytes in one call, over network.max_message_size ("
                       + std::to_string(limit) + "); scatter in smaller calls");
  proto::scatter msg;
  msg.client = id_;
  std::vector<detail::state_ptr> states;
  caf::actor sched;
  {
    std::lock_guard lock{mutex_};
    if (closed_)
      throw connection_error("troupe: scatter: " + close_reason_);
    sched = scheduler_;
    for (auto& p : packed) {
      auto key = detail::random_key();
      bool created = false;
      states.push_back(state_for(key, "scatter", created));
      msg.keys.push_back(key);
      proto::append_data(msg, p);
    }
  }
  caf::anon_send(sched, std::move(msg));
  return states;
}

void client_core::cancel(const std::vector<detail::future_state*>& states) {
  proto::cancel_keys msg;
  msg.client = id_;
  for (auto* s : states)
    msg.keys.push_back(s->key);
  caf::anon_send(scheduler(), std::move(msg));
}

void client_core::apply(const proto::key_updates& u) {
  std::vector<detail::state_ptr> keep;  // destroyed after the lock is released
  keep.reserve(u.keys.size());
  {
    std::lock_guard lock{mutex_};
    for (std::size_t i = 0; i < u.keys.size(); ++i) {
      auto slot = index_.find(u.keys[i]);
      if (slot == flat_key_map::npos)
        continue;
      auto s = slots_[slot].lock();
      if (!s)
        continue;
      auto status = u.status[i];
      s->holder = u.holder[i];
      bool pending = s->status.load(std::memory_order_relaxed) == future_status::pending;
      switch (status) {
        case proto::key_status::memory_inline:
          if (!s->has_data) {
            auto bytes = proto::data_of(u, i);
            s->data.assign(bytes.data(), bytes.size());
            s->has_data = true;
          }
          [[fallthrough]];
        case proto::key_status::memory:
          if (pending)
            finish(*s, future_status::finished);
          break;
        case proto::key_status::erred:
          s->error = std::make_shared<detail::error_info>(
            parse_error_payload(proto::data_of(u, i), detail::format_key(s->task_name, s->key)));
          s->has_data = false;
          finish(*s, future_status::error);
          break;
        case proto::key_status::cancelled:
          if (pending)
            finish(*s, future_status::cancelled);
          break;
      }
      keep.push_back(std::move(s));
    }
  }
  cv_.notify_all();
}

void client_core::finish(detail::future_state& s, future_status status) {
  s.finish_seq = ++finish_seq_;
  s.status.store(status, std::memory_order_release);
}

void client_core::set_directory(const proto::worker_directory& d) {
  {
    std::lock_guard lock{mutex_};
    workers_.clear();
    worker_names_.clear();
    worker_data_.clear();
    for (std::size_t i = 0; i < d.ids.size(); ++i) {
      workers_.emplace(d.ids[i], d.actors[i]);
      worker_names_.emplace(d.ids[i], d.names[i]);
      if (i < d.data_addresses.size() && !d.data_addresses[i].empty())
        worker_data_.emplace(d.ids[i], d.data_addresses[i]);
      // Different task code on both sides: calls may reach other functions
      // than the ones this client means. Warn once per worker. (A client
      // with no tasks of its own, calling tasks by name, has nothing to
      // compare.)
      if (i < d.build_ids.size() && d.build_ids[i] != build_identity()
          && !registered_tasks().empty()
          && !warned_builds_[d.names[i]]) {
        warned_builds_[d.names[i]] = true;
        spdlog::warn("troupe client: worker '{}' was built from different task code (build {}) "
                     "than this client (build {}); tasks it lacks or defines differently will "
                     "fail or misbehave",
                     d.names[i], d.build_ids[i], build_identity());
      }
    }
  }
  cv_.notify_all();
}

// -- waiting ------------------------------------------------------------------

const std::string& client_core::await(detail::future_state& s,
                                      std::chrono::nanoseconds timeout) {
  if (!spin_until_done(s)) {
    auto deadline = clock::now() + timeout;
    std::unique_lock lock{mutex_};
    ++waiters_;
    cv_.wait_until(lock, deadline, [&] {
      return closed_ || s.status.load(std::memory_order_acquire) != future_status::pending;
    });
    --waiters_;
    if (s.status.load(std::memory_order_acquire) == future_status::pending) {
      if (closed_)
        throw connection_error("troupe: waiting for " + detail::format_key(s.task_name, s.key)
                               + ": " + close_reason_);
      throw timeout_error("troupe: " + detail::format_key(s.task_name, s.key)
                          + " did not finish within "
                          + std::to_string(std::chrono::duration<double>(timeout).count())
                          + " s");
    }
  }
  switch (s.status.load(std::memory_order_acquire)) {
    case future_status::error: {
      std::shared_ptr<const detail::error_info> e;
      {
        std::lock_guard lock{mutex_};
        e = s.error;
      }
      throw task_error(e->task_name, e->key, e->exception_type, e->message);
    }
    case future_status::cancelled:
      throw cancelled_error(detail::format_key(s.task_name, s.key));
    default:
      break;
  }
  {
    std::lock_guard lock{mutex_};
    if (s.has_data)
      return s.data;
  }
  fetch_all({&s}, timeout);
  std::lock_guard lock{mutex_};
  if (!s.has_data)
    throw connection_error("troupe: the result of " + detail::format_key(s.task_name, s.key)
                           + " could not be fetched from any worker");
  return s.data;
}

bool client_core::wait_all(const std::vector<detail::future_state*>& states,
                           std::chrono::nanoseconds timeout) {
  auto deadline = clock::now() + timeout;
  std::size_t cursor = 0;
  // States only ever leave "pending", so the cursor never moves back.
  auto advance = [&] {
    while (cursor < states.size()
           && states[cursor]->status.load(std::memory_order_acquire) != future_status::pending)
      ++cursor;
    return cursor == states.size();
  };
  if (advance())
    return true;
  std::unique_lock lock{mutex_};
  ++waiters_;
  bool ok = cv_.wait_until(lock, deadline, [&] { return advance() || closed_; });
  --waiters_;
  return ok && cursor == states.size();
}

std::size_t client_core::wait_next(const std::vector<detail::future_state*>& pending,
                                   std::chrono::nanoseconds timeout) {
  auto deadline = clock::now() + timeout;
  std::unique_lock lock{mutex_};
  std::size_t found = SIZE_MAX;
  auto pick = [&] {
    std::uint64_t best = UINT64_MAX;
    for (std::size_t i = 0; i < pending.size(); ++i)
      if (pending[i]->status.load(std::memory_order_acquire) != future_status::pending
          && pending[i]->finish_seq < best) {
        best = pending[i]->finish_seq;
        found = i;
      }
    return found != SIZE_MAX || closed_;
  };
  ++waiters_;
  cv_.wait_until(lock, deadline, pick);
  --waiters_;
  if (found == SIZE_MAX && closed_)
    throw connection_error("troupe: as_completed: " + close_reason_);
  return found;
}

void client_core::fetch_all(const std::vector<detail::future_state*>& states,
                            std::chrono::nanoseconds timeout) {
  auto deadline = clock::now() + timeout;
  auto left = [&] {
    return std::max<std::chrono::nanoseconds>(std::chrono::milliseconds(1),
                                              deadline - clock::now());
  };
  if (!wait_all(states, timeout))
    return;  // await() reports which one is late
  std::unordered_map<std::uint32_t, std::vector<detail::future_state*>> groups;
  {
    std::lock_guard lock{mutex_};
    for (auto* s : states)
      if (!s->has_data && s->status.load(std::memory_order_acquire) == future_status::finished)
        groups[s->holder].push_back(s);
  }
  for (int round = 0; round < 3 && !groups.empty(); ++round) {
    std::vector<detail::future_state*> missing;
    for (auto& [holder, group] : groups) {
      proto::fetch req;
      std::unordered_map<detail::task_key, detail::future_state*> by_key;
      for (auto* s : group) {
        req.keys.push_back(s->key);
        by_key.emplace(s->key, s);
      }
      proto::fetched got;
      try {
        got = fetch_from(holder, std::move(req), left());
      } catch (const connection_error&) {
        missing.insert(missing.end(), group.begin(), group.end());
        continue;
      }
      std::lock_guard lock{mutex_};
      for (std::size_t i = 0; i < got.keys.size(); ++i) {
        auto* s = by_key[got.keys[i]];
        if (s && !s->has_data) {
          auto bytes = proto::data_of(got, i);
          s->data.assign(bytes.data(), bytes.size());
          s->has_data = true;
        }
      }
      for (auto k : got.missing)
        if (auto* s = by_key[k])
          missing.push_back(s);
    }
    groups.clear();
    if (missing.empty())
      break;
    // Results may have moved (a worker retired): ask where they are now.
    proto::who_has q;
    for (auto* s : missing)
      q.keys.push_back(s->key);
    auto h = blocking_request<proto::holders>(runtime_->system(), scheduler(), left(),
                                              std::move(q), "locating results");
    for (std::size_t i = 0; i < missing.size() && i < h.workers.size(); ++i)
      if (h.workers[i] != proto::no_worker)
        groups[h.workers[i]].push_back(missing[i]);
  }
}

proto::fetched client_core::fetch_from(std::uint32_t holder, proto::fetch req,
                                       std::chrono::nanoseconds timeout) {
  std::string address;
  {
    std::lock_guard lock{mutex_};
    if (auto it = worker_data_.find(holder); it != worker_data_.end())
      address = it->second;
  }
  if (!address.empty())  // another process: straight from its data server
    return data_client::shared().fetch(address, req.keys, timeout);
  auto w = worker(holder);
  if (!w)
    throw connection_error("troupe: worker " + std::to_string(holder) + " is gone");
  auto got = blocking_request<proto::fetched>(runtime_->system(), w, timeout, std::move(req),
                                              "fetching results");
  if (auto why = proto::check(got); !why.empty())
    throw connection_error("troupe: worker " + std::to_string(holder) + " sent malformed results: "
                           + why);
  return got;
}

// -- cluster-wide calls -------------------------------------------------------

std::vector<std::pair<std::string, std::string>>
client_core::run_on_workers(const std::string& function, std::string args,
                            std::chrono::nanoseconds timeout) {
  std::vector<std::pair<std::string, caf::actor>> targets;
  refresh_directory(timeout);
  {
    std::lock_guard lock{mutex_};
    if (closed_)
      throw connection_error("troupe: run: " + close_reason_);
    for (auto& [id, w] : workers_)
      targets.emplace_back(worker_names_[id], w);
  }
  std::vector<std::pair<std::string, std::string>> out;
  for (auto& [name, w] : targets) {
    auto r = blocking_request<proto::run_result>(runtime_->system(), w, timeout,
                                                 proto::run_once{function, args},
                                                 "run on " + name);
    if (!r.ok) {
      auto e = parse_error_payload(r.data, "run-on-" + name);
      throw task_error(e.task_name, e.key, e.exception_type, e.message);
    }
    out.emplace_back(name, std::move(r.data));
  }
  return out;
}

void client_core::wait_for_workers(std::size_t n, std::chrono::nanoseconds timeout) {
  blocking_request<proto::holders>(runtime_->system(), scheduler(), timeout,
                                   proto::wait_workers{static_cast<std::uint32_t>(n)},
                                   "wait_for_workers(" + std::to_string(n) + ")");
  refresh_directory(timeout);
}

proto::dashboard_reply client_core::dashboard_query(const std::string& path, std::uint64_t since,
                                                   std::chrono::nanoseconds timeout) {
  return blocking_request<proto::dashboard_reply>(runtime_->system(), scheduler(), timeout,
                                                  proto::dashboard_query{path, since},
                                                  "dashboard " + path);
}

cluster_info client_core::snapshot(std::chrono::nanoseconds timeout) {
  auto s = blocking_request<proto::cluster_snapshot>(runtime_->system(), scheduler(), timeout,
                                                     proto::snapshot_request{}, "scheduler_info");
  return snapshot_to_info(s, address_);
}

void client_core::sync(std::chrono::nanoseconds timeout) {
  flush_releases();
  blocking_request<proto::sync_point>(runtime_->system(), scheduler(), timeout,
                                      proto::sync_point{id_}, "sync");
}

// -- releasing ----------------------------------------------------------------

void client_core::release(detail::task_key key) {
  caf::actor poke;
  {
    std::lock_guard lock{release_mutex_};
    if (!release_target_)
      return;  // closed: the scheduler forgets everything of ours anyway
    if (releases_.empty())
      poke = release_target_;
    releases_.push_back(key);
  }
  if (poke)
    caf::anon_send(poke, flush_atom::value);
}

void client_core::flush_releases() {
  std::vector<detail::task_key> keys;
  {
    std::lock_guard lock{release_mutex_};
    keys.swap(releases_);
  }
  if (keys.empty())
    return;
  caf::actor sched;
  {
    std::lock_guard lock{mutex_};
    for (auto key : keys) {
      auto slot = index_.find(key);
      if (slot != flat_key_map::npos && slots_[slot].expired()) {
        index_.erase(key);
        slots_[slot].reset();
        free_slots_.push_back(slot);
      }
    }
    sched = scheduler_;
  }
  if (sched)
    caf::anon_send(sched, proto::release_keys{id_, std::move(keys)});
}

} // namespace troupe::internal

namespace troupe::detail {

future_state::~future_state() {
  if (core)
    core->release(key);
}

const std::string& await_result(future_state& state, std::chrono::nanoseconds timeout) {
  return state.core->await(state, timeout);
}

void fetch_all(const std::vector<future_state*>& states, std::chrono::nanoseconds timeout) {
  if (!states.empty())
    states.front()->core->fetch_all(states, timeout);
}

bool wait_all(const std::vector<future_state*>& states, std::chrono::nanoseconds timeout) {
  return states.empty() || states.front()->core->wait_all(states, timeout);
}

std::size_t wait_next(const std::vector<future_state*>& pending,
                      std::chrono::nanoseconds timeout) {
  return pending.empty() ? SIZE_MAX : pending.front()->core->wait_next(pending, timeout);
}

void cancel_states(const std::vector<future_state*>& states) {
  if (!states.empty())
    states.front()->core->cancel(states);
}

std::chrono::nanoseconds default_timeout() {
  // Includes TROUPE_CLIENT__TIMEOUT and the older TROUPE_TIMEOUT.
  return current_config().client.timeout;
}

} // namespace troupe::detail
