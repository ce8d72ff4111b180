// A cluster of real processes on 127.0.0.1: `troupe scheduler --port 0` and
// worker processes running this test executable (troupe::init makes it a
// worker), so every TROUPE_TASK of the test exists on them.
#pragma once

#include <memory>
#include <string>
#include <vector>

#include "child_process.hpp"

namespace troupe_test {

struct process_cluster {
  /// Starts the scheduler and `n` workers; returns when the scheduler is up.
  /// `env` ("NAME=value") is added to every process's environment.
  explicit process_cluster(int n_workers, int nthreads = 1,
                           std::vector<std::string> worker_extra = {},
                           std::vector<std::string> env = {});
  /// Starts one more worker with the given extra arguments.
  child_process& add_worker(const std::vector<std::string>& extra = {});
  /// Starts a `troupe worker` process (the CLI, which has no tasks of its own).
  child_process& add_cli_worker(const std::vector<std::string>& extra = {});

  std::unique_ptr<child_process> scheduler;
  std::string address;
  std::vector<std::unique_ptr<child_process>> workers;
  int nthreads = 1;
  int next = 0;
  std::vector<std::string> env;
};

} // namespace troupe_test
