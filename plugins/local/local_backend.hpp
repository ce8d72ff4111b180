// The `local` cluster backend: workers as child processes of the host (or,
// with processes = false, as in-process workers the host runs for it).
#pragma once

#include <chrono>
#include <condition_variable>
#include <cstdint>
#include <deque>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <thread>
#include <vector>

#include <troupe/sdk/plugin.hpp>

#include "process.hpp"

namespace troupe::local_plugin {

using clock = std::chrono::steady_clock;

struct settings {
  std::uint32_t n_workers = 0;           // 0: one per core / threads
  std::uint32_t threads_per_worker = 1;
  std::uint64_t memory_limit = 0;        // 0: machine memory x threads / cores
  bool processes = true;
  std::string name = "local";
  std::chrono::nanoseconds stop_grace = std::chrono::seconds(5);  // SIGTERM -> SIGKILL
  bool restart = true;  // replace a worker killed by a signal (as Dask's nanny)
  std::chrono::nanoseconds restart_min_uptime = std::chrono::seconds(1);  // no crash loops
};

class local_backend final : public sdk::backend {
public:
  local_backend(const sdk::host_api& host, const sdk::options& opts);
  ~local_backend() override;

  void start_workers(const sdk::launch_spec& spec, std::uint32_t n) override;
  void scale(const sdk::launch_spec& spec, std::uint32_t n) override;
  void stop_worker(const std::string& id) override;
  void stop_all() override;
  sdk::status status() override;

private:
  struct worker {
    std::string id;
    sdk::worker_state state = sdk::worker_state::starting;
    pid_t pid = -1;  // -1: in-process
    int pidfd = -1;
    int exit_code = 0;
    bool stop_requested = false;
    bool killed = false;          // SIGKILL sent
    clock::time_point deadline;   // stopping: when to SIGKILL, then when to give up
    clock::time_point started;
    std::optional<command> cmd;   // how it was started (processes), for a restart
  };
  struct spawn_job {
    std::vector<std::pair<std::string, command>> commands;  // id, command
    bool done = false;
    bool replacement = false;  // restarts keep the requested count
    std::string error;
  };
  struct event {
    std::string id;
    int kind;
    int exit_code;
    std::string detail;
  };

  static bool alive(const worker& w) {
    return w.state == sdk::worker_state::starting || w.state == sdk::worker_state::running
           || w.state == sdk::worker_state::stopping;
  }
  sdk::launch_spec effective(const sdk::launch_spec& spec) const;
  std::string next_name_locked(const std::string& prefix);
  void start(const sdk::launch_spec& spec, std::uint32_t n);
  void start_inprocess(const sdk::launch_spec& spec, std::uint32_t n);
  // Marks w stopping and signals it; in-process names go to `inprocess`.
  void request_stop_locked(worker& w, std::vector<std::string>& inprocess);
  void stop_inprocess(const std::vector<std::string>& names);
  void wake();
  void emit(std::vector<event>& events);

  // The manager thread forks (so PR_SET_PDEATHSIG follows a thread that
  // lives as long as the backend), reaps and escalates SIGTERM to SIGKILL.
  void manage();
  void run_job_unlocked(spawn_job& job, std::vector<event>& events);
  void reap_locked(std::vector<event>& events);
  int escalate_locked(std::vector<event>& events);  // poll timeout in ms

  settings settings_;
  std::mutex mutex_;
  std::condition_variable changed_;  // a job finished or a worker went
  std::vector<worker> workers_;      // in start order, kept for status
  std::uint32_t requested_ = 0;
  std::uint64_t next_index_ = 0;
  std::deque<std::shared_ptr<spawn_job>> jobs_;
  int emitting_ = 0;  // the manager is calling the host with events
  bool quit_ = false;
  int wake_fd_ = -1;
  std::thread manager_;
};

} // namespace troupe::local_plugin
