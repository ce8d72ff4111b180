// The exact text each batch system is given to start one job of troupe
// workers: directives (resources converted to the system's units), then a
// bash body that exports the environment, runs the prologue, starts
// `processes` workers in the background, waits for them and runs the
// epilogue.
#pragma once

#include <cstdint>
#include <string>

#include "job_spec.hpp"

namespace troupe::batch_plugin {

/// The file name job_script() shows in an HTCondor submit description's
/// `executable` line; the plugin passes its real path to htcondor_files().
inline constexpr const char* htcondor_executable_name = "troupe-job.sh";

/// The script for Slurm, SGE, PBS and LSF. For HTCondor, which needs two
/// files, the submit description, then the line
/// "# ---- executable troupe-job.sh ----", then the executable script:
/// what htcondor_files() returns, shown as one text. Validates first
/// (std::invalid_argument naming the option).
std::string job_script(const job_spec& spec);

/// HTCondor's two files: the submit description whose `executable` is
/// `executable_path`, and the bash script at that path.
struct htcondor_job {
  std::string submit_description;
  std::string executable;
};
htcondor_job htcondor_files(const job_spec& spec, const std::string& executable_path);

/// Seconds before the walltime at which the job's workers retire: 0 when
/// there is no walltime or the margin is 0; walltime_margin -1 is
/// min(300, walltime / 10).
std::int64_t effective_walltime_margin(const job_spec& spec);

/// The line that starts worker `index` (0-based) of the job, ending in " &".
/// Public so tests can run it on its own.
std::string worker_launch_line(const job_spec& spec, int index);

}  // namespace troupe::batch_plugin
