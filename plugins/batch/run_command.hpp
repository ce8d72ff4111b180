// Running one batch-system command (sbatch, squeue, scancel, ...) as an
// argument vector and collecting what it printed. Never through a shell:
// option values reach these programs as single arguments, exactly.
#pragma once

#include <chrono>
#include <string>

#include "job_system.hpp"

namespace troupe::batch_plugin {

struct run_result {
  int exit_code = 0;  ///< the exit status, or -signal when killed by one
  std::string out;    ///< stdout
  std::string err;    ///< stderr
};

/// Runs c.argv (argv[0] looked up in PATH) with this process's environment,
/// stdin from c.stdin_path or /dev/null, and no other inherited descriptor.
/// Returns once it exited and both pipes are drained. Throws
/// std::runtime_error when it cannot be started (naming the program and
/// the reason, e.g. not in PATH) or when it runs longer than `timeout`
/// (then it and its process group are killed first).
run_result run_command(const command& c, std::chrono::milliseconds timeout);

/// "sbatch --parsable /tmp/x/job-1.sh": for messages only, never executed.
std::string command_text(const command& c);

/// "exited with code 1" / "killed by signal 9".
std::string exit_text(int exit_code);

}  // namespace troupe::batch_plugin
