#include "job_system.hpp"

#include <regex>
#include <stdexcept>
#include <sstream>

namespace troupe::batch_plugin {

namespace {

std::string trim(const std::string& s) {
  auto b = s.find_first_not_of(" \t\r\n");
  if (b == std::string::npos)
    return {};
  auto e = s.find_last_not_of(" \t\r\n");
  return s.substr(b, e - b + 1);
}

std::vector<std::string> lines_of(const std::string& text) {
  std::vector<std::string> out;
  std::istringstream in{text};
  for (std::string l; std::getline(in, l);)
    if (auto t = trim(l); !t.empty())
      out.push_back(t);
  return out;
}

std::vector<std::string> words(const std::string& line) {
  std::vector<std::string> out;
  std::istringstream in{line};
  for (std::string w; in >> w;)
    out.push_back(w);
  return out;
}

// Output in an error message: quoted, and cut so a page of HTML from a
// misconfigured wrapper does not flood the log.
std::string quoted_output(const std::string& out) {
  constexpr std::size_t max = 400;
  return "\"" + (out.size() > max ? out.substr(0, max) + "..." : out) + "\"";
}

bool all_digits(std::string_view s) {
  if (s.empty())
    return false;
  for (char c : s)
    if (c < '0' || c > '9')
      return false;
  return true;
}

// Ids come from parse_job_id; this guards the one place they are joined
// into a single argument (squeue --jobs=a,b).
void check_ids(const std::vector<std::string>& ids) {
  if (ids.empty())
    throw std::invalid_argument("batch: no job ids given");
  for (const auto& id : ids) {
    bool ok = !id.empty();
    for (char c : id)
      ok = ok && ((c >= '0' && c <= '9') || (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z')
                  || c == '.' || c == '_' || c == '-');
    if (!ok)
      throw std::invalid_argument("batch: \"" + id + "\" is not a job id");
  }
}

const char* submit_program(job_system s) {
  switch (s) {
    case job_system::slurm: return "sbatch";
    case job_system::sge: return "qsub";
    case job_system::pbs: return "qsub";
    case job_system::lsf: return "bsub";
    case job_system::htcondor: return "condor_submit";
  }
  return "";
}

[[noreturn]] void unknown_state(job_system s, const std::string& line) {
  throw std::runtime_error(std::string{"batch: unknown job state in "} + system_name(s)
                           + " status line " + quoted_output(line));
}

job_state slurm_state(const std::string& code, const std::string& line) {
  // Waiting for resources or put back in the queue: it may still start.
  static const std::map<std::string, job_state> codes{
    {"PENDING", job_state::pending},      {"CONFIGURING", job_state::pending},
    {"REQUEUED", job_state::pending},     {"REQUEUE_HOLD", job_state::pending},
    {"REQUEUE_FED", job_state::pending},  {"RESIZING", job_state::pending},
    {"SUSPENDED", job_state::pending},    {"STOPPED", job_state::pending},
    {"RUNNING", job_state::running},      {"COMPLETING", job_state::running},
    {"SIGNALING", job_state::running},    {"STAGE_OUT", job_state::running},
    // Ended by itself or by scancel (the plugin's own cancel): nothing to report.
    {"COMPLETED", job_state::gone},       {"CANCELLED", job_state::gone},
    // Ended by the system against the job's will: the user must hear why.
    {"FAILED", job_state::failed},        {"NODE_FAIL", job_state::failed},
    {"TIMEOUT", job_state::failed},       {"OUT_OF_MEMORY", job_state::failed},
    {"BOOT_FAIL", job_state::failed},     {"DEADLINE", job_state::failed},
    {"PREEMPTED", job_state::failed},     {"SPECIAL_EXIT", job_state::failed},
    {"REVOKED", job_state::gone},
  };
  auto it = codes.find(code);
  if (it == codes.end())
    unknown_state(job_system::slurm, line);
  return it->second;
}

// SGE's state is a string of letters (qw, hqw, r, t, Rr, dr, dt, Eqw, ...):
// E (error) beats everything. d (being deleted, after our own qdel) is not
// gone yet: its processes may still run, and close() must not return while
// qstat lists it (seen with the real Grid Engine: dt right after qdel).
job_state sge_state(const std::string& code, const std::string& line) {
  auto has = [&](char c) { return code.find(c) != std::string::npos; };
  if (code.find_first_not_of("dEhrRsStTqw") != std::string::npos)
    unknown_state(job_system::sge, line);
  if (has('E'))
    return job_state::failed;
  if (has('d') || has('r') || has('t'))
    return job_state::running;
  return job_state::pending;  // q, w, h, s, S, T: queued, held or suspended
}

job_state pbs_state(const std::string& code, const std::string& line) {
  if (code.size() == 1) {
    switch (code[0]) {
      case 'Q': case 'H': case 'W': case 'T': case 'S': case 'U': case 'M':
        return job_state::pending;
      case 'R': case 'E': case 'B':  // E: exiting, its processes still winding down
        return job_state::running;
      case 'C': case 'F': case 'X':  // completed (Torque), finished (PBS Pro)
        return job_state::gone;
    }
  }
  unknown_state(job_system::pbs, line);
}

job_state lsf_state(const std::string& code, const std::string& line) {
  static const std::map<std::string, job_state> codes{
    {"PEND", job_state::pending},  {"PSUSP", job_state::pending}, {"WAIT", job_state::pending},
    {"USUSP", job_state::pending}, {"SSUSP", job_state::pending}, {"PROV", job_state::pending},
    {"RUN", job_state::running},   {"DONE", job_state::gone},     {"EXIT", job_state::failed},
    {"ZOMBI", job_state::failed},  {"UNKWN", job_state::failed},
  };
  auto it = codes.find(code);
  if (it == codes.end())
    unknown_state(job_system::lsf, line);
  return it->second;
}

// HTCondor's JobStatus attribute.
job_state htcondor_state(const std::string& code, const std::string& line) {
  if (code.size() == 1) {
    switch (code[0]) {
      case '1': return job_state::pending;  // idle
      case '2': return job_state::running;
      case '3': return job_state::gone;     // removed (condor_rm)
      case '4': return job_state::gone;     // completed
      case '5': return job_state::failed;   // held: it will not run until released
      case '6': return job_state::running;  // transferring output
      case '7': return job_state::pending;  // suspended
    }
  }
  unknown_state(job_system::htcondor, line);
}

// PBS's default qstat truncates long ids ("1234.very-long-serv*"), so PBS
// ids are compared by their number.
std::string id_key(job_system s, const std::string& id) {
  if (s == job_system::pbs)
    return id.substr(0, id.find('.'));
  return id;
}

[[noreturn]] void bad_line(job_system s, const std::string& line) {
  throw std::runtime_error(std::string{"batch: cannot read "} + system_name(s)
                           + " status line " + quoted_output(line));
}

}  // namespace

const char* system_name(job_system s) {
  switch (s) {
    case job_system::slurm: return "slurm";
    case job_system::sge: return "sge";
    case job_system::pbs: return "pbs";
    case job_system::lsf: return "lsf";
    case job_system::htcondor: return "htcondor";
  }
  return "unknown";
}

job_system parse_system(std::string_view name) {
  for (auto s : {job_system::slurm, job_system::sge, job_system::pbs, job_system::lsf,
                 job_system::htcondor})
    if (name == system_name(s))
      return s;
  throw std::invalid_argument("batch: option 'system' expects one of slurm, sge, pbs, lsf, "
                              "htcondor, got \"" + std::string{name} + "\"");
}

const char* state_name(job_state s) {
  switch (s) {
    case job_state::pending: return "pending";
    case job_state::running: return "running";
    case job_state::failed: return "failed";
    case job_state::gone: return "gone";
  }
  return "unknown";
}

command submit_command(const job_spec& spec, const std::string& path) {
  command c;
  c.argv.push_back(submit_program(spec.system));
  if (spec.system == job_system::slurm)
    c.argv.push_back("--parsable");  // prints "ID" or "ID;CLUSTER" only
  c.argv.insert(c.argv.end(), spec.submit_command_extra.begin(), spec.submit_command_extra.end());
  if (spec.system == job_system::lsf)
    c.stdin_path = path;  // `bsub < script`: bsub reads #BSUB lines only from stdin
  else
    c.argv.push_back(path);
  return c;
}

command status_command(job_system s, const std::vector<std::string>& ids) {
  check_ids(ids);
  command c;
  switch (s) {
    case job_system::slurm: {
      std::string list;
      for (const auto& id : ids)
        list += (list.empty() ? "" : ",") + id;
      // --states=all: without it squeue may leave out jobs that just ended.
      c.argv = {"squeue", "--noheader", "--format=%i %T", "--states=all", "--jobs=" + list};
      break;
    }
    case job_system::sge:
      c.argv = {"qstat"};  // the user's jobs; unknown ids would make qstat -j fail outright
      break;
    case job_system::pbs:
      c.argv = {"qstat"};
      c.argv.insert(c.argv.end(), ids.begin(), ids.end());
      break;
    case job_system::lsf:
      c.argv = {"bjobs", "-w"};  // -w: columns not truncated
      c.argv.insert(c.argv.end(), ids.begin(), ids.end());
      break;
    case job_system::htcondor:
      c.argv = {"condor_q"};
      c.argv.insert(c.argv.end(), ids.begin(), ids.end());
      c.argv.insert(c.argv.end(), {"-af", "ClusterId", "JobStatus"});
      break;
  }
  return c;
}

command cancel_command(job_system s, const std::vector<std::string>& ids) {
  check_ids(ids);
  command c;
  switch (s) {
    case job_system::slurm: c.argv = {"scancel"}; break;
    case job_system::sge: c.argv = {"qdel"}; break;
    case job_system::pbs: c.argv = {"qdel"}; break;
    case job_system::lsf: c.argv = {"bkill"}; break;
    case job_system::htcondor: c.argv = {"condor_rm"}; break;
  }
  c.argv.insert(c.argv.end(), ids.begin(), ids.end());
  return c;
}

std::string parse_job_id(job_system s, const std::string& out) {
  // One pattern per system, tried on every line: wrappers and site
  // scripts often print a banner first.
  static const std::regex slurm{R"(^(?:Submitted batch job )?(\d+)(?:;\S+)?$)"};
  static const std::regex sge{R"(^Your job(?:-array)? (\d+)[ .])"};
  static const std::regex pbs{R"(^(\d+(?:\.[A-Za-z0-9_.-]+)?)$)"};
  static const std::regex lsf{R"(^Job <(\d+)> is submitted)"};
  static const std::regex htcondor{R"(job\(s\) submitted to cluster (\d+)\.)"};
  const std::regex* re = nullptr;
  switch (s) {
    case job_system::slurm: re = &slurm; break;
    case job_system::sge: re = &sge; break;
    case job_system::pbs: re = &pbs; break;
    case job_system::lsf: re = &lsf; break;
    case job_system::htcondor: re = &htcondor; break;
  }
  if (re)
    for (const auto& line : lines_of(out))
      if (std::smatch m; std::regex_search(line, m, *re))
        return m[1];
  throw std::runtime_error(std::string{"batch: no job id in the output of "} + submit_program(s)
                           + ": " + quoted_output(out));
}

job_states parse_states(job_system s, const std::string& out) {
  job_states states;
  for (const auto& line : lines_of(out)) {
    auto w = words(line);
    switch (s) {
      case job_system::slurm:  // "ID STATE" (--noheader --format="%i %T")
        if (w.size() != 2)
          bad_line(s, line);
        states[w[0]] = slurm_state(w[1], line);
        break;
      case job_system::sge:  // job-ID prior name user state submit/start-at queue slots
        if (w[0] == "job-ID" || line.find_first_not_of('-') == std::string::npos)
          continue;
        if (w.size() < 5 || !all_digits(w[0]))
          bad_line(s, line);
        states[w[0]] = sge_state(w[4], line);
        break;
      case job_system::pbs:  // Job id, Name, User, Time Use, S, Queue
        if (w[0] == "Job" || line.find_first_not_of("- ") == std::string::npos)
          continue;
        if (w.size() < 6 || !all_digits(id_key(s, w[0])))
          bad_line(s, line);
        states[id_key(s, w[0])] = pbs_state(w[4], line);
        break;
      case job_system::lsf:  // JOBID USER STAT QUEUE FROM_HOST EXEC_HOST JOB_NAME SUBMIT_TIME
        if (w[0] == "JOBID")
          continue;
        if (!all_digits(w[0])) {
          // A job spread over hosts continues its EXEC_HOST on lines of
          // their own ("8*node01"); anything else is not bjobs output.
          if (w.size() == 1 && w[0].find('*') != std::string::npos)
            continue;
          bad_line(s, line);
        }
        if (w.size() < 3)
          bad_line(s, line);
        states[w[0]] = lsf_state(w[2], line);
        break;
      case job_system::htcondor:  // "ClusterId JobStatus" (-af)
        if (w.size() != 2 || !all_digits(w[0]))
          bad_line(s, line);
        states[w[0]] = htcondor_state(w[1], line);
        break;
    }
  }
  return states;
}

job_state state_of(job_system s, const job_states& states, const std::string& id) {
  auto it = states.find(id_key(s, id));
  return it == states.end() ? job_state::gone : it->second;
}

}  // namespace troupe::batch_plugin
