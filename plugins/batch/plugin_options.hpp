// The plugin's options (as the host hands them over, already checked
// against the schema in plugin_entry.cpp) turned into a job_spec and the
// plugin's own settings. The host's option types have no lists or tables,
// so list options are text: one item per line, and the argv options
// (worker_command, worker_extra_args, submit_command_extra) also accept
// one line of words separated by spaces.
#pragma once

#include <chrono>
#include <cstdint>
#include <map>
#include <string>
#include <string_view>
#include <vector>

#include <troupe/sdk/plugin.hpp>

#include "job_spec.hpp"

namespace troupe::batch_plugin {

struct plugin_settings {
  /// Every option but the scheduler address, which comes with each launch
  /// spec, and worker_command when the option was not given.
  job_spec spec;
  bool worker_command_given = false;
  std::uint32_t n_workers = 0;  ///< workers for start_workers(TROUPE_WORKERS_DEFAULT)
  std::chrono::milliseconds poll_interval{1000};
  std::chrono::milliseconds command_timeout{60000};  ///< one sbatch/squeue/scancel
  std::chrono::milliseconds stop_timeout{60000};     ///< cancelled jobs to leave the queue
  bool log_directory_given = false;
  /// Where the host's scheduler listens ("" : the address of `interface`,
  /// else this machine's name).
  std::string scheduler_host;
  /// scheduler_placement = "job": the scheduler runs as a batch job.
  bool scheduler_in_job = false;
  std::vector<std::string> scheduler_command;  ///< "" : the host's program
  std::chrono::milliseconds scheduler_timeout{300000};
};

/// Reads the options. Throws std::invalid_argument "batch: option 'KEY'
/// expects WHAT, got VALUE" for a value the schema's type lets through
/// but the plugin cannot use (validate() checks the rest).
plugin_settings read_options(const sdk::options& opts);

/// One item per non-blank line, trimmed.
std::vector<std::string> lines_option(std::string_view text);
/// Several lines: one item per line, as lines_option. One line: its words.
std::vector<std::string> argv_option(std::string_view text);
/// "KEY=VALUE" per line.
std::map<std::string, std::string> env_option(std::string_view text);

/// "HH:MM:SS", "D-HH:MM:SS" (as dask-jobqueue and Slurm write it), or a
/// number of seconds with an optional unit ("90 min", "2 h", "3600");
/// "" is 0 (the system's default). Throws naming option 'walltime'.
std::int64_t parse_walltime(std::string_view text);

}  // namespace troupe::batch_plugin
