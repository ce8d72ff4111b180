// What differs between batch systems outside the job script: the commands
// that submit, poll and cancel jobs (argument vectors, never shell text),
// and reading job ids and states from those commands' output.
#pragma once

#include <map>
#include <string>
#include <string_view>
#include <vector>

#include "job_spec.hpp"

namespace troupe::batch_plugin {

/// "slurm", "sge", "pbs", "lsf", "htcondor".
const char* system_name(job_system s);
/// The inverse of system_name; std::invalid_argument naming option 'system'.
job_system parse_system(std::string_view name);

/// A program to run: argv[0] is looked up in PATH. When stdin_path is set
/// the runner feeds that file as standard input (LSF's bsub reads #BSUB
/// directives only from a script given on stdin).
struct command {
  std::vector<std::string> argv;
  std::string stdin_path;
};

/// Submits the file at `path`: the job script, or for HTCondor the submit
/// description. spec.submit_command_extra goes before the path.
command submit_command(const job_spec& spec, const std::string& path);
/// Lists the states of `ids` (parse_states reads its stdout). SGE's qstat
/// lists all of the user's jobs; parse_states and state_of pick the ids.
command status_command(job_system s, const std::vector<std::string>& ids);
command cancel_command(job_system s, const std::vector<std::string>& ids);

/// The job id in the submit command's stdout; std::runtime_error quoting
/// the output when there is none. PBS ids keep their ".server" part, which
/// qstat and qdel take.
std::string parse_job_id(job_system s, const std::string& submit_output);

enum class job_state { pending, running, failed, gone };
const char* state_name(job_state s);

/// Job id -> state, from the status command's stdout. A line that is
/// neither a header nor a job, or a state code this does not know, throws
/// std::runtime_error quoting the line.
using job_states = std::map<std::string, job_state>;
job_states parse_states(job_system s, const std::string& status_output);

/// The state of `id` in `states`: gone when the listing does not have it
/// (finished jobs leave squeue, qstat, bjobs and condor_q).
job_state state_of(job_system s, const job_states& states, const std::string& id);

}  // namespace troupe::batch_plugin
