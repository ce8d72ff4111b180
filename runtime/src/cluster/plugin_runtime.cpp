#include "cluster/plugin_runtime.hpp"
#include "dashboard/dashboard_service.hpp"

#include <algorithm>
#include <set>
#include <unistd.h>

#include <caf/send.hpp>

#include "common/blocking_request.hpp"
#include "common/logging.hpp"
#include "cluster/local_runtime.hpp"
#include "net/node.hpp"
#include "process/init_state.hpp"
#include "protocol/messages.hpp"
#include "scheduler/scheduler_actor.hpp"
#include "troupe/config.hpp"
#include "troupe/init.hpp"
#include "worker/worker_actor.hpp"

namespace troupe::internal {

std::vector<std::string> worker_command() {
  if (!init_was_called())
    throw config_error(
      "troupe: worker processes run this program's own tasks: call troupe::init(argc, argv) "
      "as the first line of main (or use processes = false)");
  char buf[4096];
  ssize_t n = ::readlink("/proc/self/exe", buf, sizeof buf - 1);
  if (n <= 0)
    throw config_error("troupe: cannot find this program's path (/proc/self/exe)");
  return {std::string(buf, static_cast<std::size_t>(n)), worker_flag};
}

plugin_runtime::plugin_runtime(const std::string& plugin, const cluster_options& options,
                               std::chrono::nanoseconds timeout, int dashboard_port) {
  check_task_registry();
  const auto& cfg = current_config();
  bool processes = true;
  if (auto it = options.values.find("processes"); it != options.values.end())
    if (auto* b = std::get_if<bool>(&it->second))
      processes = *b;
  node_ = node::shared();
  if (processes)
    spec_.argv = worker_command();
  plugin_host_callbacks cb;
  cb.on_worker_event = [this](const worker_event& e) {
    if (e.what != worker_event::kind::started) {
      std::lock_guard lock{mutex_};
      ended_.push_back(e);
    }
    switch (e.what) {
      case worker_event::kind::started:
        spdlog::info("troupe cluster: worker {} started", e.worker_id);
        break;
      case worker_event::kind::exited:
        spdlog::info("troupe cluster: worker {} exited ({})", e.worker_id, e.exit_code);
        break;
      case worker_event::kind::failed:
        spdlog::warn("troupe cluster: worker {} failed: {} {}", e.worker_id, e.exit_code,
                     e.detail);
        break;
    }
  };
  cb.start_inprocess_worker = [this](const plugin_launch_spec& s, const std::string& name) {
    worker_config wc;
    wc.name = name;
    wc.nthreads = std::max<std::uint32_t>(1, s.threads_per_worker);
    wc.memory_limit = s.memory_limit;
    auto w = spawn_worker(node_->system(), scheduler_, wc);
    std::lock_guard lock{mutex_};
    inprocess_[name] = w;
  };
  cb.stop_inprocess_worker = [this](const std::string& name) {
    std::lock_guard lock{mutex_};
    if (auto it = inprocess_.find(name); it != inprocess_.end()) {
      caf::anon_send(it->second, proto::shutdown{});
      inprocess_.erase(it);
    }
  };
  std::vector<std::filesystem::path> search;
  for (auto& p : cfg.plugins.search_path)
    search.emplace_back(p);
  try {
    backend_ = std::make_unique<plugin_backend>(plugin, search, options, std::move(cb));
    // A plugin may run the scheduler elsewhere (a batch job of its own);
    // then this process is only its client and owner.
    std::string remote;
    if (processes) {
      plugin_launch_spec sched_spec;
      sched_spec.argv = {spec_.argv.at(0), scheduler_flag};
      remote = backend_->query(TROUPE_QUERY_SCHEDULER_ADDRESS, &sched_spec).value_or("");
    }
    if (!remote.empty()) {
      auto sched = node_->connect(remote, timeout, "cluster", [] { return false; });
      {
        std::lock_guard lock{mutex_};
        scheduler_ = sched;
      }
      address_ = remote;
      spdlog::info("troupe cluster: the {} plugin started the scheduler at {}", plugin, remote);
    } else {
      // Loopback and any free port unless the plugin's workers need another
      // address (batch jobs on other nodes): Dask's LocalCluster does the same.
      auto host = backend_->query(TROUPE_QUERY_SCHEDULER_HOST).value_or("");
      if (host.empty())
        host = "127.0.0.1";
      {
        std::lock_guard lock{mutex_};
        scheduler_ = spawn_scheduler(node_->system(), "tcp://" + host + ":?");
      }
      auto port = node_->publish(scheduler_, host, 0);
      address_ = "tcp://" + host + ":" + std::to_string(port);
      caf::anon_send(scheduler_, proto::set_address{address_});
      if (host != "127.0.0.1")
        spdlog::info("troupe cluster: scheduler at {} (the address the {} plugin asked for)",
                     address_, plugin);
      auto dashboard = cfg.dashboard;
      if (dashboard_port >= 0)
        dashboard.port = dashboard_port;
      dashboard_ = dashboard_service::start(node_->system(), scheduler_, dashboard);
    }
    spec_.scheduler_address = address_;
    backend_->start_workers(spec_);
    wait_for_workers(backend_->status().requested, timeout);
  } catch (...) {
    shutdown();
    throw;
  }
}

plugin_runtime::~plugin_runtime() { shutdown(); }

caf::actor_system& plugin_runtime::system() { return node_->system(); }

caf::actor plugin_runtime::scheduler() const {
  std::lock_guard lock{mutex_};
  return scheduler_;
}

void plugin_runtime::wait_for_workers(std::size_t n, std::chrono::nanoseconds timeout) {
  // In slices, so that a worker that fails meanwhile (a batch job whose
  // worker cannot start) ends the wait at once with its reason, instead of
  // at the timeout.
  std::size_t ended_before;
  {
    std::lock_guard lock{mutex_};
    ended_before = ended_.size();
  }
  // Only workers still to connect count: not ones retired by an earlier
  // scale(), whose exits may be reported during this wait.
  std::set<std::string> settled, seen;  // known and not starting; connected
  for (auto& w : backend_->status().workers)
    if (w.state != plugin_worker_state::starting)
      settled.insert(w.id);
  auto deadline = std::chrono::steady_clock::now() + timeout;
  try {
    for (;;) {
      auto left = deadline - std::chrono::steady_clock::now();
      auto slice = std::min<std::chrono::nanoseconds>(std::chrono::milliseconds(250), left);
      try {
        blocking_request<proto::holders>(
          system(), scheduler(), std::max<std::chrono::nanoseconds>(slice, std::chrono::milliseconds(1)),
          proto::wait_workers{static_cast<std::uint32_t>(n)},
          "waiting for " + std::to_string(n) + " workers to connect");
        return;
      } catch (const timeout_error&) {
        // Failed, or ended without ever connecting (a batch system such as
        // Grid Engine shows no exit status once a job has left the queue).
        for (auto& w : info(std::chrono::seconds(5)).workers)
          seen.insert(w.name);
        std::string failed;
        {
          std::lock_guard lock{mutex_};
          for (auto i = ended_before; i < ended_.size(); ++i) {
            auto& e = ended_[i];
            if (!settled.count(e.worker_id)
                && (e.what == worker_event::kind::failed || !seen.count(e.worker_id)))
              failed += "\n" + e.worker_id + ": " + e.detail;
          }
        }
        if (!failed.empty())
          throw error("troupe: waiting for " + std::to_string(n)
                      + " workers to connect: workers failed before they connected:" + failed);
        if (std::chrono::steady_clock::now() >= deadline)
          throw timeout_error("troupe: waiting for " + std::to_string(n)
                              + " workers to connect: no answer within "
                              + std::to_string(std::chrono::duration<double>(timeout).count())
                              + " s");
      }
    }
  } catch (const timeout_error& e) {
    auto st = backend_->status();
    std::string detail;
    for (auto& w : st.workers)
      if (w.state == plugin_worker_state::exited || w.state == plugin_worker_state::failed)
        detail += " " + w.id + " ended with " + std::to_string(w.exit_code) + ";";
      else if (w.state == plugin_worker_state::starting)  // a batch job still pending
        detail += " " + w.id + " is still starting;";
    throw timeout_error(std::string{e.what()} + (detail.empty() ? "" : " (" + detail + " )"));
  }
}

void plugin_runtime::scale(int n, std::chrono::nanoseconds timeout) {
  if (n < 0)
    throw config_error("troupe: scale: the number of workers must be >= 0, got "
                       + std::to_string(n));
  if (adapt_)
    adapt_->stop(scheduler());  // the last call wins, as in Dask
  scale_to(static_cast<std::size_t>(n), {}, timeout);
}

void plugin_runtime::adapt(const adapt_options& o) {
  {
    std::lock_guard lock{mutex_};
    if (stopped_)
      throw connection_error("troupe: adapt: the cluster is closed");
    if (!adapt_)
      adapt_ = std::make_unique<adapt_driver>(
        node_->system(), [this](std::uint32_t n, const std::vector<std::string>& retire) {
          // A pending batch job may take its time; the next decision waits.
          scale_to(n, retire, std::chrono::minutes(10));
        });
  }
  adapt_->start(scheduler(), o);
}

void plugin_runtime::scale_to(std::size_t n, std::vector<std::string> retire,
                              std::chrono::nanoseconds timeout) {
  auto deadline = std::chrono::steady_clock::now() + timeout;
  auto left = [&] {
    return std::max<std::chrono::nanoseconds>(std::chrono::milliseconds(1),
                                              deadline - std::chrono::steady_clock::now());
  };
  auto status = backend_->status();
  std::vector<std::string> live;
  for (auto& w : status.workers)
    if (w.state == plugin_worker_state::starting || w.state == plugin_worker_state::running)
      live.push_back(w.id);
  if (n >= live.size()) {
    backend_->scale(spec_, static_cast<std::uint32_t>(n));
    wait_for_workers(n, left());
    return;
  }
  // Down: the scheduler first moves the results of the workers that go
  // (the newest, unless adapt named the least loaded) to the others and
  // stops them; then the plugin forgets them.
  bool named = !retire.empty();
  if (!named)
    retire.assign(live.end() - static_cast<std::ptrdiff_t>(live.size() - n), live.end());
  auto snap = blocking_request<proto::cluster_snapshot>(system(), scheduler(), left(),
                                                        proto::snapshot_request{}, "scale");
  proto::retire_workers r;
  for (auto& w : snapshot_to_info(snap, address_).workers)
    if (std::find(retire.begin(), retire.end(), w.name) != retire.end())
      r.ids.push_back(w.id);
  blocking_request<proto::holders>(system(), scheduler(), left(), std::move(r),
                                   "scale: retiring workers");
  if (named)  // the plugin's scale() would stop its newest instead
    for (auto& name : retire)
      backend_->stop_worker(name);
  backend_->scale(spec_, static_cast<std::uint32_t>(n));
}

cluster_info plugin_runtime::info(std::chrono::nanoseconds timeout) {
  auto snap = blocking_request<proto::cluster_snapshot>(system(), scheduler(), timeout,
                                                        proto::snapshot_request{}, "info");
  return snapshot_to_info(snap, address_);
}

cluster_status plugin_runtime::status() {
  cluster_status out;
  if (!backend_)
    return out;
  auto st = backend_->status();
  out.requested = st.requested;
  // A worker connected to the scheduler runs, whatever the plugin last saw
  // (a batch system's queue is polled every few seconds).
  std::vector<std::string> connected;
  try {
    for (auto& w : info(std::chrono::seconds(5)).workers)
      connected.push_back(w.name);
  } catch (const std::exception&) {
    // No answer: the plugin's view alone.
  }
  for (auto& w : st.workers) {
    cluster_worker_status cw;
    cw.name = w.id;
    if (w.state == plugin_worker_state::starting
        && std::find(connected.begin(), connected.end(), w.id) != connected.end())
      w.state = plugin_worker_state::running;
    switch (w.state) {
      case plugin_worker_state::starting: cw.state = "starting"; break;
      case plugin_worker_state::running: cw.state = "running"; break;
      case plugin_worker_state::stopping: cw.state = "stopping"; break;
      case plugin_worker_state::exited: cw.state = "exited"; break;
      case plugin_worker_state::failed: cw.state = "failed"; break;
    }
    cw.exit_code = w.exit_code;
    out.workers.push_back(std::move(cw));
  }
  return out;
}

std::string plugin_runtime::job_script() {
  if (auto text = backend_->query(TROUPE_QUERY_JOB_SCRIPT, &spec_))
    return *text;
  throw config_error("troupe: the '" + backend_->name()
                     + "' cluster plugin submits no jobs, so it has no job script "
                       "(job_script() is for batch plugins such as 'batch')");
}

void plugin_runtime::shutdown() {
  caf::actor sched;
  {
    std::lock_guard lock{mutex_};
    if (stopped_)
      return;
    stopped_ = true;
    sched = std::move(scheduler_);
  }
  if (adapt_)
    adapt_->stop(sched);  // no more decisions
  dashboard_.reset();  // its thread asks the scheduler: stop it first
  if (sched) {
    // Workers stop when the scheduler tells them; wait for that (bounded),
    // then the plugin reaps (or kills) what is left.
    caf::scoped_actor self{node_->system()};
    self->monitor(sched);
    self->send(sched, proto::shutdown{});
    self->receive([](caf::down_msg&) {}, caf::after(std::chrono::seconds(5)) >> [] {});
  }
  // A decision being applied fails fast now that the scheduler is gone; it
  // must have returned before the backend it calls is stopped.
  if (adapt_)
    adapt_->close();
  if (backend_) {
    try {
      backend_->stop_all();
    } catch (const std::exception& e) {
      spdlog::warn("troupe cluster: stopping workers: {}", e.what());
    }
  }
  std::map<std::string, caf::actor> inproc;
  {
    std::lock_guard lock{mutex_};
    inproc.swap(inprocess_);
  }
  for (auto& [name, w] : inproc)
    caf::anon_send(w, proto::shutdown{});
}

} // namespace troupe::internal
