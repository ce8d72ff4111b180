#include "job_script.hpp"

#include <algorithm>
#include <cstdint>
#include <cstdio>
#include <stdexcept>
#include <vector>

#include "shell_quote.hpp"
#include "validate.hpp"

namespace troupe::batch_plugin {

namespace {

constexpr std::uint64_t kib = 1024;
constexpr std::uint64_t mib = kib * kib;
constexpr std::uint64_t gib = mib * kib;

std::uint64_t ceil_div(std::uint64_t a, std::uint64_t b) { return a / b + (a % b != 0); }

// Every memory request is rounded UP to the unit the system reads: a job
// never gets less than `memory`, so workers told memory/processes fit in it.
// Whole GiB are written as such because that is how users read them.
std::string mem_g_or_m(std::uint64_t bytes, const char* g, const char* m) {
  if (bytes % gib == 0)
    return std::to_string(bytes / gib) + g;
  return std::to_string(ceil_div(bytes, mib)) + m;
}

std::string two(std::int64_t n) {
  char buf[32];
  std::snprintf(buf, sizeof buf, "%02lld", static_cast<long long>(n));
  return buf;
}

// HH:MM:SS with hours past 24 allowed (SGE h_rt, PBS walltime accept it).
std::string hms(std::int64_t s) { return two(s / 3600) + ":" + two(s / 60 % 60) + ":" + two(s % 60); }

// Slurm's --time: days as "D-HH:MM:SS" rather than hours past 24.
std::string slurm_time(std::int64_t s) {
  if (s < 86400)
    return hms(s);
  return std::to_string(s / 86400) + "-" + hms(s % 86400);
}

// LSF's -W takes [hours:]minutes: rounded up so the job is not cut short.
std::string lsf_time(std::int64_t s) {
  std::int64_t minutes = (s + 59) / 60;
  return two(minutes / 60) + ":" + two(minutes % 60);
}

std::uint64_t lsf_unit_bytes(const std::string& unit) {
  if (unit == "KB")
    return kib;
  if (unit == "MB")
    return mib;
  if (unit == "GB")
    return gib;
  return gib * kib;  // "TB"; validate() allows nothing else
}

const char* job_id_variable(job_system s) {
  switch (s) {
    case job_system::slurm: return "SLURM_JOB_ID";
    case job_system::sge: return "JOB_ID";
    case job_system::pbs: return "PBS_JOBID";
    case job_system::lsf: return "LSB_JOBID";
    case job_system::htcondor: return "TROUPE_BATCH_JOB_ID";  // set by the submit description
  }
  return "";
}

const char* directive_prefix(job_system s) {
  switch (s) {
    case job_system::slurm: return "#SBATCH ";
    case job_system::sge: return "#$ ";
    case job_system::pbs: return "#PBS ";
    case job_system::lsf: return "#BSUB ";
    case job_system::htcondor: return "";
  }
  return "";
}

// The generated directives, without prefix, in the order they are written.
std::vector<std::string> slurm_directives(const job_spec& s) {
  std::vector<std::string> d{"--job-name=" + s.job_name};
  if (!s.queue.empty())
    d.push_back("--partition=" + s.queue);
  if (!s.account.empty())
    d.push_back("--account=" + s.account);
  // One task on one node holding every core: the workers are processes of
  // the batch script itself, not srun steps.
  d.push_back("--nodes=1");
  d.push_back("--ntasks=1");
  d.push_back("--cpus-per-task=" + std::to_string(s.cores));
  d.push_back("--mem=" + mem_g_or_m(s.memory, "G", "M"));  // Slurm: M = MiB, G = GiB
  if (s.walltime > 0)
    d.push_back("--time=" + slurm_time(s.walltime));
  if (!s.log_directory.empty()) {
    d.push_back("--output=" + s.log_directory + "/" + s.job_name + "-%j.out");
    d.push_back("--error=" + s.log_directory + "/" + s.job_name + "-%j.err");
  }
  return d;
}

std::vector<std::string> sge_directives(const job_spec& s) {
  // Without -S, SGE may start the script with the queue's shell (csh).
  std::vector<std::string> d{"-S /bin/bash", "-N " + s.job_name};
  if (!s.queue.empty())
    d.push_back("-q " + s.queue);
  if (!s.account.empty())
    d.push_back("-P " + s.account);
  // h_vmem and mem_free are per slot: the job's memory over its slots.
  std::uint64_t slots = 1;
  if (!s.parallel_environment.empty()) {
    d.push_back("-pe " + s.parallel_environment + " " + std::to_string(s.cores));
    slots = static_cast<std::uint64_t>(s.cores);
  }
  auto per_slot = mem_g_or_m(ceil_div(s.memory, slots), "G", "M");  // SGE: M, G are 1024-based
  d.push_back("-l h_vmem=" + per_slot + ",mem_free=" + per_slot);
  if (s.walltime > 0)
    d.push_back("-l h_rt=" + hms(s.walltime));
  if (!s.log_directory.empty()) {
    // A directory: SGE writes NAME.oJOBID / NAME.eJOBID inside it.
    d.push_back("-o " + s.log_directory + "/");
    d.push_back("-e " + s.log_directory + "/");
  }
  return d;
}

std::vector<std::string> pbs_directives(const job_spec& s) {
  std::vector<std::string> d{"-S /bin/bash", "-N " + s.job_name};
  if (!s.queue.empty())
    d.push_back("-q " + s.queue);
  if (!s.account.empty())
    d.push_back("-A " + s.account);
  // Torque's nodes/ppn form: Torque, slurm-wlm-torque's qsub and PBS Pro
  // (which converts it to a select statement) all read it.
  d.push_back("-l nodes=1:ppn=" + std::to_string(s.cores));
  d.push_back("-l mem=" + mem_g_or_m(s.memory, "gb", "mb"));  // PBS: mb, gb are 1024-based
  if (s.walltime > 0)
    d.push_back("-l walltime=" + hms(s.walltime));
  if (!s.log_directory.empty()) {
    d.push_back("-o " + s.log_directory + "/");
    d.push_back("-e " + s.log_directory + "/");
  }
  return d;
}

std::vector<std::string> lsf_directives(const job_spec& s) {
  std::vector<std::string> d{"-J " + s.job_name};
  if (!s.queue.empty())
    d.push_back("-q " + s.queue);
  if (!s.account.empty())
    d.push_back("-P " + s.account);
  d.push_back("-n " + std::to_string(s.cores));
  d.push_back("-R \"span[hosts=1]\"");  // all slots on one host: one script runs every worker
  // A bare number in the site's unit (LSF_UNIT_FOR_LIMITS), since unit
  // suffixes on -M need LSF 10.1.0.2.
  d.push_back("-M " + std::to_string(ceil_div(s.memory, lsf_unit_bytes(s.lsf_units))));
  if (s.walltime > 0)
    d.push_back("-W " + lsf_time(s.walltime));
  if (!s.log_directory.empty()) {
    d.push_back("-o " + s.log_directory + "/" + s.job_name + "-%J.out");
    d.push_back("-e " + s.log_directory + "/" + s.job_name + "-%J.err");
  }
  return d;
}

std::vector<std::string> htcondor_lines(const job_spec& s, const std::string& executable_path) {
  std::vector<std::string> d{"universe = vanilla", "executable = " + executable_path,
                             "batch_name = " + s.job_name,
                             "request_cpus = " + std::to_string(s.cores),
                             // HTCondor reads request_memory in MiB.
                             "request_memory = " + std::to_string(ceil_div(s.memory, mib))};
  if (s.walltime > 0)  // seconds; past it the job is held (HTCondor >= 9.4)
    d.push_back("allowed_job_duration = " + std::to_string(s.walltime));
  if (!s.account.empty())
    d.push_back("accounting_group = " + s.account);
  // HTCondor exports no job id; the workers name themselves after it.
  d.push_back(std::string{"environment = \""} + job_id_variable(job_system::htcondor)
              + "=$(Cluster)\"");
  if (!s.log_directory.empty()) {
    auto base = s.log_directory + "/" + s.job_name + "-$(Cluster)";
    d.push_back("output = " + base + ".out");
    d.push_back("error = " + base + ".err");
    d.push_back("log = " + base + ".log");
  }
  return d;
}

bool skipped(const std::string& line, const job_spec& s) {
  for (const auto& needle : s.job_directives_skip)
    if (line.find(needle) != std::string::npos)
      return true;
  return false;
}

// Generated lines minus the skipped ones, then the user's extra directives
// (never skipped: the user wrote them on purpose).
std::string header(const job_spec& s, const std::vector<std::string>& generated) {
  std::string out;
  const char* prefix = directive_prefix(s.system);
  for (const auto& d : generated) {
    std::string line = prefix + d;
    if (!skipped(line, s))
      out += line + "\n";
  }
  for (const auto& d : s.job_extra_directives)
    out += prefix + d + "\n";
  return out;
}

// A scheduler job's one process: any free port, on the interface's address
// or the node's name, telling the submitting host where through the file.
std::string scheduler_launch_line(const job_spec& s) {
  std::string line;
  for (const auto& a : s.worker_command)
    line += shell_quote(a) + " ";
  if (!s.interface.empty())  // also the dashboard's address
    line += "--interface " + shell_quote(s.interface);
  else
    line += "--host \"$(hostname)\" --dashboard-host \"$(hostname)\"";
  line += " --port 0 --dashboard-port 0 --scheduler-file "
          + shell_quote(s.scheduler_file);
  return line + " &";
}

// The bash script each system runs (HTCondor: the executable), directives
// included for the systems that read them from it.
std::string bash_script(const job_spec& s, const std::string& directives) {
  std::string out = "#!/bin/bash\n" + directives + "\n";
  for (const auto& [k, v] : s.env)
    out += "export " + k + "=" + shell_quote(v) + "\n";
  for (const auto& l : s.job_script_prologue)
    out += l + "\n";
  if (!s.local_directory.empty()) {
    auto dir = shell_quote(s.local_directory);
    out += "mkdir -p -- " + dir + " && cd -- " + dir + " || exit 1\n";
  }
  if (s.role == job_role::scheduler) {
    out += scheduler_launch_line(s) + "\n";
  } else {
    for (int i = 0; i < s.processes; ++i)
      out += worker_launch_line(s, i) + "\n";
  }
  // The job fails when a worker does (the system then reports it failed,
  // with its log): the first non-zero exit status is the job's.
  out += "status=0\n";
  out += "for pid in $(jobs -p); do wait \"$pid\"; rc=$?; [ \"$status\" -ne 0 ] || status=$rc; "
         "done\n";
  for (const auto& l : s.job_script_epilogue)
    out += l + "\n";
  out += "exit \"$status\"\n";
  return out;
}

}  // namespace

std::int64_t effective_walltime_margin(const job_spec& s) {
  if (s.walltime <= 0)
    return 0;
  if (s.walltime_margin >= 0)
    return s.walltime_margin;
  return std::min<std::int64_t>(300, s.walltime / 10);
}

std::string worker_launch_line(const job_spec& s, int index) {
  std::string line;
  for (const auto& a : s.worker_command)
    line += shell_quote(a) + " ";
  auto workers = static_cast<std::uint64_t>(s.processes);
  line += shell_quote(s.scheduler_address);
  line += " --nthreads " + std::to_string(s.cores / s.processes);
  line += " --memory-limit " + std::to_string(s.memory / workers);
  // NAME-JOBID-INDEX: unique in the cluster, and tells which job to cancel
  // once its workers are retired.
  line += " --name " + shell_quote(s.job_name) + "-\"${" + job_id_variable(s.system) + "}\"-"
          + std::to_string(index);
  if (s.death_timeout > 0)  // a bare number is seconds to troupe
    line += " --reconnect-timeout " + std::to_string(s.death_timeout);
  if (!s.interface.empty())
    line += " --interface " + shell_quote(s.interface);
  if (auto margin = effective_walltime_margin(s); margin > 0) {
    auto lifetime = s.walltime - margin;
    // A fifth of the margin, and less than half the lifetime (the worker
    // takes a stagger only below its lifetime).
    auto stagger = std::min(margin / 5, lifetime / 2);
    line += " --lifetime " + std::to_string(lifetime);
    if (stagger > 0)
      line += " --lifetime-stagger " + std::to_string(stagger);
  }
  for (const auto& a : s.worker_extra_args)
    line += " " + shell_quote(a);
  return line + " &";
}

htcondor_job htcondor_files(const job_spec& spec, const std::string& executable_path) {
  validate(spec);
  if (spec.system != job_system::htcondor)
    throw std::invalid_argument("batch: htcondor_files() is for system htcondor");
  if (executable_path.empty()
      || executable_path.find_first_of(std::string_view{"\n\r\0", 3}) != std::string::npos)
    throw std::invalid_argument("batch: the HTCondor executable path must be one non-empty line");
  auto submit = header(spec, htcondor_lines(spec, executable_path)) + "queue 1\n";
  return {submit, bash_script(spec, "")};
}

std::string job_script(const job_spec& spec) {
  validate(spec);
  switch (spec.system) {
    case job_system::slurm: return bash_script(spec, header(spec, slurm_directives(spec)));
    case job_system::sge: return bash_script(spec, header(spec, sge_directives(spec)));
    case job_system::pbs: return bash_script(spec, header(spec, pbs_directives(spec)));
    case job_system::lsf: return bash_script(spec, header(spec, lsf_directives(spec)));
    case job_system::htcondor: {
      auto files = htcondor_files(spec, htcondor_executable_name);
      return files.submit_description + "# ---- executable " + htcondor_executable_name
             + " ----\n" + files.executable;
    }
  }
  return {};  // unreachable: validate() rejects other values
}

}  // namespace troupe::batch_plugin
