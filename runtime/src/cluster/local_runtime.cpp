#include "cluster/local_runtime.hpp"

#include <algorithm>
#include <atomic>
#include <thread>

#include <unistd.h>

#include <caf/send.hpp>

#include "common/blocking_request.hpp"
#include "common/logging.hpp"
#include "protocol/messages.hpp"
#include "protocol/validate.hpp"
#include "troupe/errors.hpp"
#include "scheduler/scheduler_actor.hpp"
#include "worker/worker_actor.hpp"

namespace troupe::internal {

namespace {

std::atomic<int> cluster_counter{0};

std::uint64_t machine_memory() {
  long pages = sysconf(_SC_PHYS_PAGES);
  long size = sysconf(_SC_PAGE_SIZE);
  return pages > 0 && size > 0 ? static_cast<std::uint64_t>(pages) * size : 0;
}

} // namespace

cluster_info snapshot_to_info(const proto::cluster_snapshot& s, const std::string& address) {
  if (auto why = proto::check(s); !why.empty())
    throw connection_error("troupe: the scheduler at " + address + " sent a malformed snapshot: "
                           + why);
  cluster_info info;
  info.scheduler_address = address;
  info.dashboard_link = s.dashboard;
  for (std::size_t i = 0; i < s.ids.size(); ++i) {
    worker_info w;
    w.id = s.ids[i];
    w.name = s.names[i];
    w.nthreads = s.nthreads[i];
    w.memory_limit = s.memory_limit[i];
    w.managed_bytes = s.managed_bytes[i];
    w.n_keys = s.n_keys[i];
    w.processing = s.processing[i];
    w.retiring = s.retiring[i] != 0;
    w.data_address = s.data_addresses[i];
    info.workers.push_back(std::move(w));
  }
  info.waiting = s.task_counts[0];
  info.ready = s.task_counts[1];
  info.processing = s.task_counts[2];
  info.memory = s.task_counts[3];
  info.erred = s.task_counts[4];
  info.completed = s.task_counts[5];
  return info;
}

local_runtime::local_runtime(local_cluster_options options) : options_(std::move(options)) {
  check_task_registry();
  if (options_.n_workers < 0)
    throw config_error("troupe: local_cluster: n_workers must be >= 0, got "
                       + std::to_string(options_.n_workers));
  if (options_.threads_per_worker < 1)
    throw config_error("troupe: local_cluster: threads_per_worker must be >= 1, got "
                       + std::to_string(options_.threads_per_worker));
  if (options_.n_workers == 0)
    options_.n_workers = static_cast<int>(std::max(1u, std::thread::hardware_concurrency()));
  address_ = "inproc://" + options_.name + "-" + std::to_string(cluster_counter++);
  scheduler_ = spawn_scheduler(system(), address_);
  auto dashboard = current_config().dashboard;
  if (options_.dashboard_port >= 0)
    dashboard.port = options_.dashboard_port;
  try {
    dashboard_ = dashboard_service::start(system(), scheduler_, dashboard);
  } catch (...) {
    caf::anon_send(scheduler_, proto::shutdown{});  // no workers yet: it quits at once
    throw;
  }
  std::lock_guard lock{mutex_};
  for (int i = 0; i < options_.n_workers; ++i)
    spawn_worker_locked();
}

local_runtime::~local_runtime() { shutdown(); }

caf::actor local_runtime::scheduler() const {
  std::lock_guard lock{mutex_};
  return scheduler_;
}

void local_runtime::spawn_worker_locked() {
  worker_config cfg;
  cfg.name = options_.name + "-worker-" + std::to_string(next_worker_++);
  cfg.nthreads = static_cast<std::uint32_t>(options_.threads_per_worker);
  cfg.memory_limit = options_.memory_limit;
  if (cfg.memory_limit == 0) {
    // As Dask's memory_limit="auto": the machine's memory shared by threads.
    double cores = std::max(1u, std::thread::hardware_concurrency());
    double share = std::min(1.0, options_.threads_per_worker / cores);
    cfg.memory_limit = static_cast<std::uint64_t>(static_cast<double>(machine_memory()) * share);
  }
  workers_.emplace_back(cfg.name, spawn_worker(system(), scheduler_, cfg));
}

void local_runtime::scale(int n, std::chrono::nanoseconds timeout) {
  if (n < 0)
    throw config_error("troupe: scale: the number of workers must be >= 0, got "
                       + std::to_string(n));
  if (adapt_)
    adapt_->stop(scheduler());  // the last call wins, as in Dask
  scale_to(static_cast<std::size_t>(n), {}, timeout);
}

void local_runtime::adapt(const adapt_options& o) {
  {
    std::lock_guard lock{mutex_};
    if (stopped_)
      throw connection_error("troupe: adapt: the cluster is closed");
    if (!adapt_)
      adapt_ = std::make_unique<adapt_driver>(
        *rt_.system, [this](std::uint32_t n, const std::vector<std::string>& retire) {
          scale_to(n, retire, std::chrono::minutes(1));
        });
  }
  adapt_->start(scheduler(), o);
}

void local_runtime::scale_to(std::size_t n, const std::vector<std::string>& retire,
                             std::chrono::nanoseconds timeout) {
  caf::actor sched;
  std::vector<std::string> to_retire;
  {
    std::lock_guard lock{mutex_};
    if (stopped_)
      throw connection_error("troupe: scale: the cluster is closed");
    sched = scheduler_;
    while (workers_.size() < n)
      spawn_worker_locked();
    for (auto& name : retire) {  // adapt's choice: the least loaded
      if (workers_.size() <= n)
        break;
      auto it = std::find_if(workers_.begin(), workers_.end(),
                             [&](const auto& w) { return w.first == name; });
      if (it != workers_.end()) {
        to_retire.push_back(it->first);
        workers_.erase(it);
      }
    }
    while (workers_.size() > n) {
      to_retire.push_back(workers_.back().first);  // newest first
      workers_.pop_back();
    }
  }
  auto deadline = std::chrono::steady_clock::now() + timeout;
  auto left = [&] {
    return std::max<std::chrono::nanoseconds>(std::chrono::nanoseconds(0),
                                              deadline - std::chrono::steady_clock::now());
  };
  // Wait until every worker we own has registered, so ids are known.
  std::size_t expected = n + to_retire.size();
  blocking_request<proto::holders>(system(), sched, left(),
                                   proto::wait_workers{static_cast<std::uint32_t>(expected)},
                                   "scale: waiting for workers to start");
  if (to_retire.empty())
    return;
  auto snap = blocking_request<proto::cluster_snapshot>(system(), sched, left(),
                                                        proto::snapshot_request{}, "scale");
  proto::retire_workers r;
  for (auto& w : snapshot_to_info(snap, address_).workers)
    if (std::find(to_retire.begin(), to_retire.end(), w.name) != to_retire.end())
      r.ids.push_back(w.id);
  blocking_request<proto::holders>(system(), sched, left(), std::move(r),
                                   "scale: retiring workers");
}

cluster_info local_runtime::info(std::chrono::nanoseconds timeout) {
  auto snap = blocking_request<proto::cluster_snapshot>(system(), scheduler(), timeout,
                                                        proto::snapshot_request{}, "info");
  return snapshot_to_info(snap, address_);
}

void local_runtime::shutdown() {
  caf::actor sched;
  std::vector<std::pair<std::string, caf::actor>> workers;
  {
    std::lock_guard lock{mutex_};
    if (stopped_)
      return;
    stopped_ = true;
    dashboard_.reset();  // its thread asks the scheduler: stop it first
    sched = std::move(scheduler_);
    workers.swap(workers_);
  }
  if (adapt_)
    adapt_->stop(sched);  // no more decisions
  for (auto& [name, w] : workers)
    caf::anon_send(w, proto::shutdown{});
  if (sched)
    caf::anon_send(sched, proto::shutdown{});
  // A decision being applied fails fast against the stopped scheduler.
  if (adapt_)
    adapt_->close();
}

} // namespace troupe::internal
