// Running a program from a test and collecting what it printed: the batch
// tests run generated scripts under /bin/bash to prove what they do.
#pragma once

#include <string>
#include <vector>

namespace troupe::batch_test {

struct program_result {
  int exit_code = -1;  ///< -1 when killed by a signal
  std::string out;     ///< stdout
  std::string err;     ///< stderr
};

/// fork + execve `argv` (argv[0] an absolute path) with this process's
/// environment plus `extra_env` ("K=V"), stdin on /dev/null; waits for it.
program_result run_program(const std::vector<std::string>& argv,
                           const std::vector<std::string>& extra_env = {});

}  // namespace troupe::batch_test
