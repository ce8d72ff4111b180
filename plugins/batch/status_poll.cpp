#include "status_poll.hpp"

#include <sstream>
#include <stdexcept>

namespace troupe::batch_plugin {

namespace {

// Each system's words for "no such job (any more)", one stderr line each.
bool only_unknown_job_lines(job_system s, const std::string& err) {
  std::istringstream in{err};
  bool any = false;
  for (std::string line; std::getline(in, line);) {
    if (line.find_first_not_of(" \t\r") == std::string::npos)
      continue;
    bool unknown = false;
    switch (s) {
      case job_system::slurm: unknown = line.find("Invalid job id specified") != std::string::npos; break;
      case job_system::pbs: unknown = line.find("Unknown Job Id") != std::string::npos; break;
      case job_system::lsf: unknown = line.find("is not found") != std::string::npos; break;
      case job_system::sge:       // qstat without ids never complains about one
      case job_system::htcondor:  // condor_q leaves unknown ids out silently
        break;
    }
    if (!unknown)
      return false;
    any = true;
  }
  return any;
}

std::string clip(const std::string& text) {
  constexpr std::size_t max = 400;
  return text.size() > max ? text.substr(0, max) + "..." : text;
}

}  // namespace

poll_reading read_status(job_system s, const command& c, const run_result& r) {
  poll_reading p;
  if (r.exit_code != 0 && !only_unknown_job_lines(s, r.err)) {
    p.problem = "'" + command_text(c) + "' " + exit_text(r.exit_code) + ": \"" + clip(r.err)
                + (r.err.empty() ? clip(r.out) : "") + "\"";
    return p;
  }
  try {
    p.states = parse_states(s, r.out);
  } catch (const std::exception& e) {
    p.problem = e.what();
  }
  return p;
}

}  // namespace troupe::batch_plugin
