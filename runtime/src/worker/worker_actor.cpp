#include "worker/worker_actor.hpp"

#include <map>
#include <memory>
#include <mutex>
#include <unordered_map>

#include <caf/actor_system.hpp>
#include <caf/event_based_actor.hpp>
#include <caf/stateful_actor.hpp>
#include <caf/send.hpp>

#include "common/error_payload.hpp"
#include "common/logging.hpp"
#include "common/process_stats.hpp"
#include "protocol/messages.hpp"
#include "protocol/validate.hpp"
#include "common/background_threads.hpp"
#include "net/data_client.hpp"
#include "net/data_server.hpp"
#include "troupe/config.hpp"
#include "worker/executor.hpp"
#include "worker/worker_store.hpp"

namespace troupe::internal {

namespace {

constexpr auto fetch_timeout = std::chrono::seconds(30);

// The stores of the workers of this process, by worker actor: a worker
// takes an input held by a worker of the same process by sharing its bytes,
// where a worker elsewhere has to send a copy.
std::mutex stores_mutex;
std::map<caf::actor_addr, std::weak_ptr<worker_store>> stores;

void remember_store(const caf::actor_addr& worker, std::weak_ptr<worker_store> store) {
  std::lock_guard lock{stores_mutex};
  stores[worker] = std::move(store);
}

void forget_store(const caf::actor_addr& worker) {
  std::lock_guard lock{stores_mutex};
  stores.erase(worker);
}

std::shared_ptr<worker_store> store_of(const caf::actor_addr& worker) {
  std::lock_guard lock{stores_mutex};
  auto it = stores.find(worker);
  return it == stores.end() ? nullptr : it->second.lock();
}

// Workers of this process share its memory and CPU: each reports its share.
std::size_t workers_in_process() {
  std::lock_guard lock{stores_mutex};
  return std::max<std::size_t>(1, stores.size());
}

struct worker_state {
  std::uint32_t id = proto::no_worker;
  worker_config config;
  caf::actor scheduler;
  // Declared before the executor: its threads use the store until joined.
  std::shared_ptr<worker_store> store = std::make_shared<worker_store>();
  std::unique_ptr<executor> exec;
  std::unique_ptr<data_server> data;  // serves the store to other processes
  std::unique_ptr<background_threads> transfers;  // data-path fetches
  std::unordered_map<std::uint32_t, caf::actor> peers;
  std::unordered_map<std::uint32_t, std::string> peer_data;  // data addresses
  std::vector<std::shared_ptr<const run_job>> early;  // arrived before our id
  // Fetches under way on the data path: the job waiting for them (none for
  // pulls) and how many fetches it still waits for.
  struct pending_fetch {
    std::shared_ptr<run_job> job;
    std::shared_ptr<std::size_t> remaining;
  };
  std::unordered_map<std::uint64_t, pending_fetch> pending;
  std::uint64_t next_fetch = 0;
  caf::actor_addr registered;  // in the process's table of stores
  proto::worker_metrics metrics;  // transfers since the last report
  cpu_meter cpu;
  static inline const char* name = "troupe.worker";

  ~worker_state() {
    if (registered)
      forget_store(registered);
    transfers.reset();
    exec.reset();
    if (data)
      data->stop();
  }
};

using worker_actor = caf::stateful_actor<worker_state>;

std::shared_ptr<run_job> make_job(proto::run_batch&& b) {
  auto job = std::make_shared<run_job>();
  job->batch = std::move(b);
  job->entries.reserve(job->batch.functions.size());
  for (auto& f : job->batch.functions)
    job->entries.push_back(detail::find_task(f));
  return job;
}

// Stores results that came from elsewhere (fetched inputs, moved or
// scattered results) and tells the scheduler this worker now holds them.
template <class Msg>
void keep_and_report(worker_actor* self, Msg& m) {
  proto::acquired got;
  got.worker = self->state.id;
  if (m.keys.size() == 1) {  // one (maybe large) result: no copy
    got.keys.push_back(m.keys[0]);
    got.nbytes.push_back(m.data.size());
    self->state.store->put(m.keys[0], std::move(m.data));
  } else {
    for (std::size_t i = 0; i < m.keys.size(); ++i) {
      auto bytes = proto::data_of(m, i);
      got.keys.push_back(m.keys[i]);
      got.nbytes.push_back(bytes.size());
      self->state.store->put(m.keys[i], std::string{bytes});
    }
  }
  if (!got.keys.empty())
    self->send(self->state.scheduler, std::move(got));
}

// A fetch of inputs, for the task stream (sent with the next metrics).
void note_transfer(worker_actor* self, std::uint64_t start_ns, std::uint64_t stop_ns,
                   std::uint64_t bytes, std::uint32_t from) {
  auto& m = self->state.metrics;
  m.transfer_start_ns.push_back(start_ns);
  m.transfer_stop_ns.push_back(stop_ns);
  m.transfer_bytes.push_back(bytes);
  m.transfer_from.push_back(from);
}

// Tells the scheduler this worker's memory, CPU and transfers, and sets the
// next report's timer.
void report_metrics(worker_actor* self) {
  auto& st = self->state;
  auto share = static_cast<double>(workers_in_process());
  auto& m = st.metrics;
  m.worker = st.id;
  m.rss = static_cast<std::uint64_t>(static_cast<double>(process_rss()) / share);
  m.cpu = st.cpu.sample() / share;
  self->send(st.scheduler, std::move(m));
  m = {};
  self->delayed_send(self, current_config().dashboard.metrics_interval, proto::tick{});
}

// Fetches keys from another process's data server on a transfer thread; the
// answer comes back to this actor as fetch_done.
void fetch_over_data_path(worker_actor* self, const std::string& address, std::uint32_t from,
                          std::vector<std::uint64_t> keys, worker_state::pending_fetch waiter) {
  auto& st = self->state;
  if (!st.transfers)
    st.transfers = std::make_unique<background_threads>(4);
  auto id = st.next_fetch++;
  st.pending.emplace(id, std::move(waiter));
  st.transfers->post([me = caf::actor_cast<caf::actor>(self), id, address, from,
                      keys = std::move(keys)] {
    proto::fetch_done done;
    done.id = id;
    done.from = from;
    done.start_ns = wall_ns();
    auto t0 = std::chrono::steady_clock::now();
    try {
      done.got = data_client::shared().fetch(address, keys, fetch_timeout);
    } catch (const std::exception& e) {
      done.error = e.what();
    }
    spdlog::debug("troupe worker: fetched {} keys, {} bytes from {} in {:.6f} s", keys.size(),
                  done.got.data.size(), address,
                  std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count());
    done.stop_ns = wall_ns();
    caf::anon_send(me, std::move(done));
  });
}

// Fetches inputs held by peers, then queues the job.
void start_job(worker_actor* self, std::shared_ptr<run_job> job) {
  auto& st = self->state;
  std::unordered_map<std::uint32_t, std::vector<std::uint64_t>> wanted;
  const auto& b = job->batch;
  for (std::size_t i = 0; i < b.deps.size(); ++i) {
    std::uint32_t h = b.dep_holder[i];
    if (h == st.id || h == proto::no_worker || st.store->contains(b.deps[i]))
      continue;
    auto& keys = wanted[h];
    if (std::find(keys.begin(), keys.end(), b.deps[i]) == keys.end())
      keys.push_back(b.deps[i]);
  }
  if (wanted.empty()) {
    st.exec->push(std::move(job));
    return;
  }
  auto remaining = std::make_shared<std::size_t>(wanted.size());
  auto finish = [self, job, remaining] {
    if (--*remaining == 0 && self->state.exec)
      self->state.exec->push(job);  // tasks whose inputs did not come report missing_dep
  };
  for (auto& [holder, keys] : wanted) {
    if (auto peer = st.peers.find(holder); peer != st.peers.end()) {
      if (auto theirs = store_of(peer->second.address())) {
        // Same process: share the bytes, no copy, no message.
        proto::acquired got;
        got.worker = st.id;
        for (auto key : keys)
          if (auto bytes = theirs->share(key)) {
            got.keys.push_back(key);
            got.nbytes.push_back(bytes->size());
            st.store->put_shared(key, std::move(bytes));
          }
        if (!got.keys.empty())
          self->send(st.scheduler, std::move(got));
        finish();  // tasks whose inputs were gone report missing_dep
        continue;
      }
    }
    if (auto addr = st.peer_data.find(holder); addr != st.peer_data.end() && !addr->second.empty()) {
      fetch_over_data_path(self, addr->second, holder, std::move(keys), {job, remaining});
      continue;
    }
    auto peer = st.peers.find(holder);
    if (peer == st.peers.end()) {
      finish();
      continue;
    }
    self->request(peer->second, fetch_timeout, proto::fetch{keys})
      .then(
        [self, finish, from = holder, start = wall_ns()](proto::fetched& f) {
          if (auto why = proto::check(f); !why.empty()) {
            spdlog::warn("troupe worker {}: fetching inputs failed: {}", self->state.config.name,
                         why);
          } else {
            note_transfer(self, start, wall_ns(), f.data.size(), from);
            keep_and_report(self, f);
          }
          finish();
        },
        [self, finish](caf::error& e) {
          spdlog::warn("troupe worker {}: fetching inputs failed: {}", self->state.config.name,
                       self->system().render(e));
          finish();
        });
  }
}

caf::behavior worker_behavior(worker_actor* self, caf::actor scheduler, worker_config config) {
  auto& st = self->state;
  st.config = std::move(config);
  st.scheduler = scheduler;
  self->monitor(scheduler);
  self->set_down_handler([self](caf::down_msg&) {
    spdlog::info("troupe worker {}: lost the scheduler", self->state.config.name);
    self->quit(caf::exit_reason::remote_link_unreachable);
  });
  proto::worker_hello hello;
  hello.name = st.config.name;
  hello.nthreads = st.config.nthreads;
  hello.memory_limit = st.config.memory_limit;
  hello.handle = caf::actor_cast<caf::actor>(self);
  st.registered = self->address();
  remember_store(st.registered, st.store);
  if (!st.config.data_host.empty()) {
    st.data = std::make_unique<data_server>(*st.store, st.config.data_host, st.config.name,
                                            current_config().network.frame_timeout);
    hello.data_address = st.data->address();
  }
  hello.functions = registered_tasks();
  hello.build_id = build_identity();
  self->request(scheduler, std::chrono::seconds(30), std::move(hello))
    .then(
      [self](std::uint32_t id) {
        auto& st = self->state;
        st.id = id;
        auto sched = st.scheduler;
        st.exec = std::make_unique<executor>(
          id, st.config.name, st.config.nthreads, *st.store,
          [sched](proto::done_batch&& done) { caf::anon_send(sched, std::move(done)); });
        for (auto& job : st.early)
          start_job(self, std::const_pointer_cast<run_job>(job));
        st.early.clear();
        report_metrics(self);
        if (st.config.lifetime.count() > 0)
          self->delayed_send(self, st.config.lifetime, proto::retire_workers{});
      },
      [self](caf::error& e) {
        spdlog::error("troupe worker {}: could not register with the scheduler: {}",
                      self->state.config.name, self->system().render(e));
        self->quit(caf::exit_reason::remote_link_unreachable);
      });
  return {
    [self](proto::run_batch& b) {
      if (auto why = proto::check(b); !why.empty()) {
        spdlog::error("troupe worker {}: dropped a malformed task batch: {}",
                      self->state.config.name, why);
        return;
      }
      auto job = make_job(std::move(b));
      if (!self->state.exec)
        self->state.early.push_back(std::move(job));
      else
        start_job(self, std::move(job));
    },
    [self](const proto::fetch& f) {
      proto::fetched out;
      for (auto key : f.keys) {
        bool found = self->state.store->read(key, [&](std::string_view bytes) {
          out.keys.push_back(key);
          proto::append_data(out, bytes);
        });
        if (!found)
          out.missing.push_back(key);
      }
      return out;
    },
    [self](proto::fetch_done& d) {
      auto& st = self->state;
      auto it = st.pending.find(d.id);
      if (it == st.pending.end())
        return;
      auto waiter = std::move(it->second);
      st.pending.erase(it);
      if (d.error.empty())
        if (auto why = proto::check(d.got); !why.empty())
          d.error = why;
      if (!d.error.empty()) {
        spdlog::warn("troupe worker {}: fetching inputs failed: {}", st.config.name, d.error);
      } else {
        note_transfer(self, d.start_ns, d.stop_ns, d.got.data.size(), d.from);
        keep_and_report(self, d.got);
      }
      if (waiter.job && --*waiter.remaining == 0 && st.exec)
        st.exec->push(std::move(waiter.job));
    },
    [self](const proto::pull_keys& p) {
      auto& st = self->state;
      auto addr = st.peer_data.find(p.from);
      if (addr == st.peer_data.end() || addr->second.empty()) {
        spdlog::warn("troupe worker {}: asked to pull from unknown worker {}", st.config.name,
                     p.from);
        return;
      }
      fetch_over_data_path(self, addr->second, p.from, p.keys, {});
    },
    [self](const proto::free_keys& f) { self->state.store->erase(f.keys); },
    [self](const proto::move_keys& m) {
      auto& st = self->state;
      if (auto addr = st.peer_data.find(m.target_id);
          addr != st.peer_data.end() && !addr->second.empty()) {
        self->send(m.target, proto::pull_keys{st.id, m.keys});  // bytes go peer to peer
        return;
      }
      proto::store_keys out;
      for (auto key : m.keys)
        self->state.store->read(key, [&](std::string_view bytes) {
          out.keys.push_back(key);
          proto::append_data(out, bytes);
        });
      spdlog::debug("troupe worker {}: moving {} of {} results to worker {}",
                    self->state.config.name, out.keys.size(), m.keys.size(), m.target_id);
      self->send(m.target, std::move(out));
    },
    [self](proto::store_keys& s) {
      if (auto why = proto::check(s); !why.empty()) {
        spdlog::error("troupe worker {}: dropped results sent to it: {}", self->state.config.name,
                      why);
        return;
      }
      keep_and_report(self, s);
    },
    [self](proto::worker_directory& d) {
      if (auto why = proto::check(d); !why.empty()) {
        spdlog::error("troupe worker {}: dropped a worker directory: {}", self->state.config.name,
                      why);
        return;
      }
      auto& peers = self->state.peers;
      peers.clear();
      self->state.peer_data.clear();
      for (std::size_t i = 0; i < d.ids.size(); ++i) {
        peers.emplace(d.ids[i], d.actors[i]);
        if (i < d.data_addresses.size())
          self->state.peer_data.emplace(d.ids[i], d.data_addresses[i]);
      }
    },
    [self](const proto::run_once& r) -> proto::run_result {
      run_job job;
      job.batch.functions.push_back(r.function);
      job.batch.keys.push_back(0);
      job.batch.tickets.push_back(0);
      job.batch.function.push_back(0);
      job.batch.args = r.args;
      job.batch.arg_end.push_back(r.args.size());
      job.batch.dep_end.push_back(0);
      job.entries.push_back(detail::find_task(r.function));
      msgpack::zone zone;
      std::string out;
      auto outcome =
        executor::run_task(job, 0, *self->state.store, self->state.config.name, zone, out);
      bool ok = outcome == proto::outcome::ok || outcome == proto::outcome::ok_inline;
      return {ok, std::move(out)};
    },
    [self](const proto::tick&) { report_metrics(self); },
    // Our lifetime is over: the scheduler moves our results to other
    // workers and then sends shutdown, as for any retired worker.
    [self](const proto::retire_workers&) {
      auto& st = self->state;
      spdlog::info("troupe worker {}: lifetime reached; retiring", st.config.name);
      self->request(st.scheduler, std::chrono::minutes(10), proto::retire_workers{{st.id}, 1})
        .then([](const proto::holders&) {},
              [self](caf::error& e) {
                spdlog::warn("troupe worker {}: retiring at the end of its lifetime: {}",
                             self->state.config.name, self->system().render(e));
              });
    },
    [self](const proto::shutdown&) { self->quit(caf::exit_reason::user_shutdown); },
  };
}

} // namespace

caf::actor spawn_worker(caf::actor_system& sys, caf::actor scheduler, worker_config config) {
  return sys.spawn(worker_behavior, std::move(scheduler), std::move(config));
}

} // namespace troupe::internal
