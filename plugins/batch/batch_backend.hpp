// The `batch` cluster backend: troupe workers as batch jobs. Each job runs
// `processes` workers named JOBNAME-JOBID-INDEX; scale(n) keeps
// ceil(n / processes) jobs in the queue; a poller thread reads the job
// states from the system's status command and reports changes to the host.
#pragma once

#include <chrono>
#include <condition_variable>
#include <cstdint>
#include <mutex>
#include <optional>
#include <string>
#include <thread>
#include <vector>

#include <troupe/sdk/plugin.hpp>

#include "job_system.hpp"
#include "plugin_options.hpp"

namespace troupe::batch_plugin {

class batch_backend final : public sdk::backend {
public:
  /// Checks every option (std::invalid_argument naming it) and starts the
  /// poller; submits nothing.
  batch_backend(const sdk::host_api& host, const sdk::options& opts);
  /// Cancels every job it submitted (as stop_all) and removes its scripts.
  ~batch_backend() override;

  void start_workers(const sdk::launch_spec& spec, std::uint32_t n) override;
  void scale(const sdk::launch_spec& spec, std::uint32_t n) override;
  /// A worker's job is cancelled once every worker of that job is stopped.
  void stop_worker(const std::string& id) override;
  /// Cancels every job and waits (up to stop_timeout) until the status
  /// command no longer shows any of them pending or running.
  void stop_all() override;
  sdk::status status() override;

  /// The exact text a job submitted with `spec` gets (HTCondor: the
  /// submit description and the executable, as job_script.hpp shows them).
  /// cluster.job_script() shows it (TROUPE_QUERY_JOB_SCRIPT).
  std::string job_script(const sdk::launch_spec& spec) const override;
  /// `scheduler_host`, else the IPv4 address of `interface`, else this
  /// machine's name when it resolves (jobs on other nodes reach it), else
  /// "" (loopback, with a warning).
  std::string scheduler_host() const override;
  /// scheduler_placement = "job": submits a job that runs `scheduler.argv`
  /// (or the scheduler_command option) and returns the address it writes
  /// to a file under log_directory; "" otherwise (the host runs it).
  std::string start_scheduler(const sdk::launch_spec& scheduler) override;
  /// The same for the launch spec of the last start_workers/scale call;
  /// std::logic_error before there was one.
  std::string job_script() const;

  const plugin_settings& settings() const { return settings_; }
  /// Ids of the jobs submitted so far, oldest first.
  std::vector<std::string> job_ids() const;

private:
  enum class ending { none, cancelled, finished, failed };
  struct job {
    std::string id;
    job_state state = job_state::pending;
    std::vector<std::string> workers;       // JOBNAME-ID-INDEX
    std::vector<bool> worker_stopped;        // stop_worker asked for it
    bool cancel_requested = false;
    bool seen = false;                       // listed as pending, running or failed
    bool ran = false;                        // listed as running
    int missing = 0;                         // polls in a row without it, before seen
    std::chrono::steady_clock::time_point running_since;  // first seen running
    ending end = ending::none;
    bool scheduler = false;                  // the cluster's scheduler, no workers
  };
  struct event {
    std::string worker;
    int kind;
    int exit_code;
    std::string detail;
  };

  static bool live(const job& j) { return j.end == ending::none; }
  job_spec spec_for(const sdk::launch_spec& spec) const;
  void submit(const sdk::launch_spec& spec, std::uint32_t jobs);
  /// Called by the poller after a job ended on its own (its workers retired
  /// before the walltime): submits jobs until the requested number is live
  /// again, unless stop_all was called. Failed jobs are not replaced: their
  /// log is reported instead of a loop of failing submissions.
  void replace_ended_jobs();
  std::string submit_one(const job_spec& spec, std::uint64_t seq);
  void cancel(std::vector<std::string> ids);
  void poll_loop();
  void update_locked(job& j, job_state st, std::vector<event>& events);
  void end_locked(job& j, ending how, const std::string& why, std::vector<event>& events);
  void emit(std::vector<event>& events);

  plugin_settings settings_;
  std::string scripts_dir_;  // ours (mkdtemp), removed by the destructor

  mutable std::mutex mutex_;
  std::condition_variable poll_wake_;  // poll now (or quit)
  std::condition_variable changed_;    // a poll was applied
  std::vector<job> jobs_;              // in submission order
  std::optional<sdk::launch_spec> last_spec_;
  std::uint32_t requested_ = 0;
  std::uint64_t next_seq_ = 0;
  std::uint64_t polls_ = 0;            // polls applied, to wait for a fresh one
  std::string poll_problem_;           // the last poll's failure, "" when it worked
  bool poll_now_ = false;
  bool stopping_ = false;              // stop_all called, no scale since
  bool replace_pending_ = false;       // a job's workers retired at their lifetime
  bool quit_ = false;
  std::thread poller_;
};

}  // namespace troupe::batch_plugin
