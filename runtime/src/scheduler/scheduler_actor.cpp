#include "scheduler/scheduler_actor.hpp"

#include <optional>
#include <unordered_map>

#include <caf/actor_system.hpp>
#include <caf/event_based_actor.hpp>
#include <caf/response_promise.hpp>
#include <caf/stateful_actor.hpp>

#include "common/logging.hpp"
#include "common/error_payload.hpp"
#include "protocol/messages.hpp"
#include "protocol/validate.hpp"
#include "scheduler/adaptive.hpp"
#include "scheduler/dashboard_views.hpp"
#include "scheduler/scheduler_state.hpp"
#include "common/process_stats.hpp"
#include "troupe/config.hpp"

namespace troupe::internal {

namespace {

struct scheduler_actor_state {
  scheduler_state core;
  std::string address;
  std::unordered_map<std::uint32_t, caf::actor> workers;
  std::unordered_map<std::uint32_t, caf::actor> clients;
  struct worker_meta {
    std::string data_address;
    std::string build_id;
  };
  std::unordered_map<std::uint32_t, worker_meta> meta;
  std::vector<std::pair<caf::response_promise, std::uint32_t>> worker_waiters;
  struct retire_wait {
    caf::response_promise rp;
    std::vector<std::uint32_t> ids;
  };
  std::vector<retire_wait> retire_waiters;
  bool stopping = false;  // told workers to stop; quits once they have
  dashboard_context dashboard;
  std::vector<std::string> worker_addresses;  // by id, for the dashboard
  // cluster.adapt(): decisions go to the owner's scaler every interval.
  std::optional<adapt_controller> adapt;
  caf::actor adapt_scaler;
  std::chrono::nanoseconds adapt_interval{std::chrono::seconds(1)};
  std::uint64_t adapt_generation = 0;  // a tick of an older adapt() is ignored
  static inline const char* name = "troupe.scheduler";
  // Message statistics, logged at debug level when the scheduler stops.
  std::uint64_t done_msgs = 0, done_tasks = 0, run_msgs = 0, run_tasks = 0;
  ~scheduler_actor_state() {
    spdlog::debug("troupe scheduler: {} done batches ({} tasks), {} run batches ({} tasks)",
                  done_msgs, done_tasks, run_msgs, run_tasks);
  }
};

using scheduler_actor = caf::stateful_actor<scheduler_actor_state>;

proto::worker_directory directory(scheduler_actor* self) {
  proto::worker_directory d;
  for (auto& w : self->state.core.workers())
    if (w.alive) {
      d.ids.push_back(w.id);
      d.names.push_back(w.name);
      d.actors.push_back(self->state.workers[w.id]);
      auto& m = self->state.meta[w.id];
      d.data_addresses.push_back(m.data_address);
      d.build_ids.push_back(m.build_id);
    }
  return d;
}

void broadcast_directory(scheduler_actor* self) {
  auto d = directory(self);
  for (auto& [id, w] : self->state.workers)
    self->send(w, d);
  for (auto& [id, c] : self->state.clients)
    self->send(c, d);
}

void answer_worker_waiters(scheduler_actor* self) {
  auto& waiters = self->state.worker_waiters;
  auto n = self->state.core.n_workers();
  for (auto it = waiters.begin(); it != waiters.end();) {
    if (n >= it->second) {
      it->first.deliver(proto::holders{self->state.core.worker_ids()});
      it = waiters.erase(it);
    } else {
      ++it;
    }
  }
}

// Answers every scale-down request whose workers have all stopped.
void answer_retire_waiters(scheduler_actor* self) {
  auto& st = self->state;
  auto& waits = st.retire_waiters;
  for (auto it = waits.begin(); it != waits.end();) {
    bool all = true;
    for (auto id : it->ids)
      all = all && st.workers.count(id) == 0;
    if (all) {
      it->rp.deliver(proto::holders{it->ids});
      it = waits.erase(it);
    } else {
      ++it;
    }
  }
}

// A malformed batch: every future the client made for it fails with the reason.
void refuse_batch(scheduler_actor* self, const proto::submit& s, const std::string& why) {
  spdlog::error("troupe scheduler: refused a task batch from client {}: {}", s.client, why);
  auto it = self->state.clients.find(s.client);
  if (it == self->state.clients.end())
    return;
  proto::key_updates u;
  auto payload = error_payload("submit", "troupe::malformed_batch", why);
  for (auto key : s.batch.wanted) {
    u.keys.push_back(key);
    u.status.push_back(proto::key_status::erred);
    u.holder.push_back(proto::no_worker);
    proto::append_data(u, payload);
  }
  self->send(it->second, std::move(u));
}

void flush(scheduler_actor* self, outbox& out) {
  auto& st = self->state;
  for (auto& w : out.warnings)
    spdlog::warn("troupe scheduler: {}", w);
  for (auto& [id, batch] : out.runs)
    if (auto it = st.workers.find(id); it != st.workers.end()) {
      ++st.run_msgs;
      st.run_tasks += batch.size();
      self->send(it->second, std::move(batch));
    }
  for (auto& [id, f] : out.frees)
    if (auto it = st.workers.find(id); it != st.workers.end())
      self->send(it->second, std::move(f));
  for (auto& [id, s] : out.stores)
    if (auto it = st.workers.find(id); it != st.workers.end())
      self->send(it->second, std::move(s));
  for (auto& m : out.moves) {
    auto from = st.workers.find(m.from);
    auto to = st.workers.find(m.to);
    if (from != st.workers.end() && to != st.workers.end())
      self->send(from->second, proto::move_keys{m.to, to->second, std::move(m.keys)});
  }
  for (auto& [id, u] : out.updates)
    if (auto it = st.clients.find(id); it != st.clients.end())
      self->send(it->second, std::move(u));
  if (!out.retired.empty()) {
    for (auto id : out.retired) {
      if (auto it = st.workers.find(id); it != st.workers.end()) {
        self->demonitor(it->second);
        self->send(it->second, proto::shutdown{});
        st.workers.erase(it);
      }
      st.core.remove_worker(id);
      spdlog::info("troupe scheduler: worker {} retired", id);
    }
    broadcast_directory(self);
    answer_retire_waiters(self);
  }
}

// How often the scheduler checks its own event loop's latency.
constexpr auto tick_interval = std::chrono::milliseconds(500);

void schedule_tick(scheduler_actor* self) {
  self->delayed_send(self, tick_interval,
                     proto::tick{wall_ns() + static_cast<std::uint64_t>(
                                               std::chrono::nanoseconds(tick_interval).count())});
}

caf::behavior scheduler_behavior(scheduler_actor* self, std::string address) {
  self->state.address = std::move(address);
  const auto& config = current_config();
  self->state.core.set_allowed_failures(config.scheduler.allowed_failures);
  self->state.core.set_stream_size(static_cast<std::size_t>(config.dashboard.task_stream_size));
  auto& dash = self->state.dashboard;
  dash.started_ns = wall_ns();
  dash.graph_limit = static_cast<std::size_t>(config.dashboard.graph_limit);
  dash.worker_addresses = &self->state.worker_addresses;
  schedule_tick(self);
  // CAF's logger is compiled out in Debian's build: say why an actor dies.
  self->set_exception_handler([](caf::scheduled_actor*, std::exception_ptr& e) -> caf::error {
    try {
      std::rethrow_exception(e);
    } catch (const std::exception& x) {
      spdlog::critical("troupe scheduler: stopped by an exception: {}", x.what());
    } catch (...) {
      spdlog::critical("troupe scheduler: stopped by an unknown exception");
    }
    return caf::exit_reason::unhandled_exception;
  });
  self->set_down_handler([self](caf::down_msg& m) {
    auto& st = self->state;
    if (st.stopping) {
      for (auto it = st.workers.begin(); it != st.workers.end(); ++it)
        if (it->second.address() == m.source) {
          st.workers.erase(it);
          break;
        }
      if (st.workers.empty())
        self->quit();
      return;
    }
    for (auto it = st.workers.begin(); it != st.workers.end(); ++it)
      if (it->second.address() == m.source) {
        auto id = it->first;
        spdlog::error("troupe scheduler: worker {} stopped unexpectedly", id);
        // Erased before flush, which erases retired workers (this one too, if
        // it was retiring) and would leave `it` dangling.
        st.workers.erase(it);
        outbox out;
        st.core.lose_worker(id, out);
        flush(self, out);
        broadcast_directory(self);
        return;
      }
    for (auto it = st.clients.begin(); it != st.clients.end(); ++it)
      if (it->second.address() == m.source) {
        outbox out;
        st.core.remove_client(it->first, out);
        st.clients.erase(it);
        flush(self, out);
        return;
      }
  });
  return {
    [self](proto::worker_hello& h) {
      auto& st = self->state;
      auto rp = self->make_response_promise();
      outbox out;
      auto id = st.core.add_worker(h.name, h.nthreads, h.memory_limit, out, h.functions);
      st.workers[id] = h.handle;
      st.meta[id] = {h.data_address, h.build_id};
      if (st.worker_addresses.size() <= id)
        st.worker_addresses.resize(id + 1);
      st.worker_addresses[id] = h.data_address;
      self->monitor(h.handle);
      // Reply first, so the worker knows its id before its first batch.
      rp.deliver(id);
      broadcast_directory(self);
      flush(self, out);
      answer_worker_waiters(self);
      spdlog::info("troupe scheduler: worker {} '{}' joined with {} threads and {} task functions",
                   id, h.name, h.nthreads, h.functions.size());
    },
    [self](proto::client_hello& h) -> std::uint32_t {
      auto& st = self->state;
      auto id = st.core.add_client();
      st.clients[id] = h.handle;
      self->monitor(h.handle);
      self->send(h.handle, directory(self));
      return id;
    },
    [self](proto::submit& s) {
      if (auto why = proto::check(s.batch); !why.empty()) {
        refuse_batch(self, s, why);
        return;
      }
      outbox out;
      self->state.core.submit(s.client, s.batch, out);
      flush(self, out);
    },
    [self](proto::release_keys& r) {
      outbox out;
      self->state.core.release(r.client, r.keys, out);
      flush(self, out);
    },
    [self](proto::cancel_keys& c) {
      outbox out;
      self->state.core.cancel(c.client, c.keys, out);
      flush(self, out);
    },
    [self](proto::scatter& s) {
      if (auto why = proto::check(s); !why.empty()) {
        spdlog::error("troupe scheduler: dropped scattered data from client {}: {}", s.client, why);
        return;
      }
      outbox out;
      self->state.core.scatter(s.client, s, out);
      flush(self, out);
    },
    [self](const proto::done_batch& d) {
      if (auto why = proto::check(d); !why.empty()) {
        spdlog::error("troupe scheduler: dropped a completion batch from worker {}: {}", d.worker,
                      why);
        return;
      }
      ++self->state.done_msgs;
      self->state.done_tasks += d.keys.size();
      outbox out;
      self->state.core.finished(d, out);
      flush(self, out);
    },
    [self](const proto::acquired& a) {
      if (auto why = proto::check(a); !why.empty()) {
        spdlog::error("troupe scheduler: dropped a message from worker {}: {}", a.worker, why);
        return;
      }
      outbox out;
      self->state.core.acquired(a, out);
      flush(self, out);
    },
    [self](const proto::snapshot_request&) {
      auto& core = self->state.core;
      proto::cluster_snapshot s;
      for (auto& w : core.workers()) {
        if (!w.alive)
          continue;
        s.ids.push_back(w.id);
        s.names.push_back(w.name);
        s.nthreads.push_back(w.nthreads);
        s.memory_limit.push_back(w.memory_limit);
        s.managed_bytes.push_back(w.managed_bytes);
        s.n_keys.push_back(w.n_keys);
        s.processing.push_back(w.processing);
        s.retiring.push_back(w.retiring ? 1 : 0);
        s.data_addresses.push_back(self->state.meta[w.id].data_address);
      }
      s.task_counts = core.task_counts();
      s.dashboard = self->state.dashboard.dashboard_link;
      return s;
    },
    [self](const proto::directory_request&) { return directory(self); },
    [self](const proto::who_has& w) {
      proto::holders h;
      for (auto key : w.keys)
        h.workers.push_back(self->state.core.holder_of(key));
      return h;
    },
    [self](const proto::retire_workers& r) {
      auto& st = self->state;
      auto rp = self->make_response_promise();
      st.retire_waiters.push_back({rp, r.ids});
      outbox out;
      if (r.when_replaceable)
        st.core.retire_when_replaceable(r.ids, out);
      else
        st.core.retire_workers(r.ids, out);
      flush(self, out);
      // Unknown or already gone ids complete at once.
      answer_retire_waiters(self);
    },
    [self](const proto::wait_workers& w) {
      auto rp = self->make_response_promise();
      self->state.worker_waiters.emplace_back(rp, w.n);
      answer_worker_waiters(self);
    },
    [self](const proto::sync_point& p) { return p; },
    [self](const proto::set_address& a) { self->state.address = a.address; },
    [self](const proto::set_dashboard& d) { self->state.dashboard.dashboard_link = d.link; },
    [self](const proto::worker_metrics& m) {
      if (auto why = proto::check(m); !why.empty()) {
        spdlog::error("troupe scheduler: dropped metrics from worker {}: {}", m.worker, why);
        return;
      }
      self->state.core.record_metrics(m);
    },
    [self](const proto::dashboard_query& q) {
      auto& st = self->state;
      st.dashboard.scheduler_address = st.address.empty() ? "inproc" : st.address;
      double cpu = thread_cpu_seconds();
      auto reply = dashboard_view(st.core, st.dashboard, q);
      reply.cursor = st.core.stream().cursor();
      st.dashboard.serve_cpu_s += thread_cpu_seconds() - cpu;
      return reply;
    },
    [self](proto::adapt_start& a) {
      auto& st = self->state;
      ++st.adapt_generation;
      if (a.stop || !a.scaler) {
        if (st.adapt)
          spdlog::info("troupe scheduler: adaptive scaling stopped");
        st.adapt.reset();
        st.adapt_scaler = nullptr;
        return;
      }
      adapt_policy p;
      p.minimum = a.minimum;
      p.maximum = a.maximum;
      p.target_duration_s = static_cast<double>(a.target_duration_ns) * 1e-9;
      p.wait_count = std::max<std::uint32_t>(1, a.wait_count);
      std::uint32_t open = 0;
      for (const auto& w : st.core.workers())
        open += w.alive && !w.retiring;
      st.adapt.emplace(p, open);
      st.adapt_scaler = std::move(a.scaler);
      st.adapt_interval = std::chrono::nanoseconds(std::max<std::uint64_t>(a.interval_ns, 1000000));
      spdlog::info("troupe scheduler: adaptive scaling between {} and {} workers", p.minimum,
                   p.maximum);
      self->send(self, proto::adapt_tick{st.adapt_generation});  // the first look at once
    },
    [self](const proto::adapt_tick& t) {
      auto& st = self->state;
      if (!st.adapt || t.generation != st.adapt_generation || st.stopping)
        return;
      if (auto d = st.adapt->decide(st.core)) {
        spdlog::info("troupe scheduler: adapt: asking for {} workers{}", d->n,
                     d->retire.empty() ? "" : " (retiring the least loaded)");
        self->send(st.adapt_scaler, proto::adapt_scale{d->n, std::move(d->retire)});
      }
      self->delayed_send(self, st.adapt_interval, proto::adapt_tick{t.generation});
    },
    [self](const proto::tick& t) {
      auto now = wall_ns();
      auto& d = self->state.dashboard;
      d.loop_latency_s = now > t.due_ns ? static_cast<double>(now - t.due_ns) * 1e-9 : 0;
      d.loop_latency_max_s = std::max(d.loop_latency_max_s, d.loop_latency_s);
      if (!self->state.stopping)
        schedule_tick(self);
    },
    [self](const proto::shutdown& s) {
      auto& st = self->state;
      // Workers in other processes must get the message before this
      // process ends: quit once each has stopped (or after 3 s).
      if (s.reason == 1 || st.workers.empty()) {
        self->quit();
        return;
      }
      if (st.stopping)
        return;
      st.stopping = true;
      for (auto& [id, w] : st.workers)
        self->send(w, proto::shutdown{});
      self->delayed_send(self, std::chrono::seconds(3), proto::shutdown{1});
    },
  };
}

} // namespace

caf::actor spawn_scheduler(caf::actor_system& sys, std::string address) {
  return sys.spawn(scheduler_behavior, std::move(address));
}

} // namespace troupe::internal
