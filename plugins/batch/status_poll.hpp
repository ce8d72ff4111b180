// Reading one run of the status command (squeue, qstat, bjobs, condor_q)
// into job states, including its failures: several systems exit non-zero
// when a job asked about has already left their records, which only means
// that job is gone.
#pragma once

#include <optional>
#include <string>
#include <vector>

#include "job_system.hpp"
#include "run_command.hpp"

namespace troupe::batch_plugin {

struct poll_reading {
  /// The listing, when the run could be read (ids it lacks are gone).
  std::optional<job_states> states;
  /// Why it could not be read (empty when states is set).
  std::string problem;
};

/// A run that exited 0, or exited non-zero with only "unknown job"
/// complaints on stderr (squeue's "Invalid job id specified", qstat's
/// "Unknown Job Id", bjobs' "Job <N> is not found"), is read with
/// parse_states; anything else is a problem quoting the command's output.
poll_reading read_status(job_system s, const command& c, const run_result& r);

}  // namespace troupe::batch_plugin
