// What the tests against the real Slurm and Grid Engine fixtures share: the
// fixture's state directory, the queue as the system's own command lists it,
// the worker processes still running, and a wait with a deadline.
#pragma once

#include <chrono>
#include <functional>
#include <string>
#include <vector>

#include <troupe/troupe.hpp>

namespace batch_test {

std::string env(const char* name);

/// $TROUPE_SLURM_DIR / $TROUPE_SGE_DIR, set by the fixtures (empty when the
/// test was not run through ctest).
std::string slurm_dir();
std::string sge_dir();

/// The non-empty lines a command prints (stdout and stderr).
std::vector<std::string> lines_of(const std::string& command);
/// Job ids in the Slurm queue (squeue), or the lines Grid Engine's qstat
/// prints (nothing when there is no job).
std::vector<std::string> slurm_queue();
std::vector<std::string> sge_queue();

/// Processes whose command line holds `part` (a worker named after this
/// test's job name, or its scheduler job's address file): none may be
/// left after close().
std::vector<int> processes_with(const std::string& part);

/// A job name no other test run uses, so worker_processes() finds only ours.
std::string unique_job_name(const std::string& base);

/// An interface with a non-loopback IPv4 address, and that address
/// ("lo" and 127.0.0.1 when there is none).
std::pair<std::string, std::string> outside_interface();

/// Polls `done` every 20 ms until it holds or `limit` passes; false then.
bool wait_until(const std::function<bool()>& done, std::chrono::milliseconds limit);

/// Seconds since `t0`.
double since(std::chrono::steady_clock::time_point t0);

}  // namespace batch_test
