#include "validate.hpp"

#include <cstdio>
#include <stdexcept>
#include <string>
#include <string_view>

#include "job_system.hpp"

namespace troupe::batch_plugin {

namespace {

// The value as the message shows it: quoted, control bytes escaped so a
// newline in a bad value cannot break the message apart.
std::string shown(std::string_view v) {
  std::string out = "\"";
  for (unsigned char c : v) {
    if (c < 0x20 || c == 0x7f) {
      char buf[8];
      std::snprintf(buf, sizeof buf, "\\x%02x", c);
      out += buf;
    } else if (c == '"' || c == '\\') {
      out += '\\';
      out += static_cast<char>(c);
    } else {
      out += static_cast<char>(c);
    }
  }
  return out + "\"";
}

[[noreturn]] void bad(std::string_view option, std::string_view expects, std::string_view got) {
  throw std::invalid_argument("batch: option '" + std::string{option} + "' expects "
                              + std::string{expects} + ", got " + std::string{got});
}

// Values written into directive lines. The batch systems read those lines
// with their own parsers, not a shell, and disagree on quoting, so instead
// of quoting we allow only characters every one of them takes literally.
constexpr std::string_view directive_chars_help =
  "letters, digits and _ . / + - : @ , =";
bool directive_safe(std::string_view v) {
  for (char c : v) {
    bool ok = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9')
              || std::string_view{"_./+-:@,="}.find(c) != std::string_view::npos;
    if (!ok)
      return false;
  }
  return true;
}

void check_directive_value(std::string_view option, const std::string& v, bool required) {
  if (required && v.empty())
    bad(option, "a non-empty string of " + std::string{directive_chars_help}, shown(v));
  if (!directive_safe(v))
    bad(option, "only " + std::string{directive_chars_help}, shown(v));
}

bool has_byte(std::string_view v, std::string_view bytes) {
  return v.find_first_of(bytes) != std::string_view::npos;
}

// A directive with a line break would end the comment and start a shell
// command, so directive lists take single lines only.
void check_lines(std::string_view option, const std::vector<std::string>& lines) {
  for (const auto& l : lines)
    if (has_byte(l, std::string_view{"\n\r\0", 3}))
      bad(option, "single lines without line breaks or NUL bytes", shown(l));
}

void check_no_nul(std::string_view option, std::string_view v) {
  if (v.find('\0') != std::string_view::npos)
    bad(option, "text without NUL bytes", shown(v));
}

void check_no_nul(std::string_view option, const std::vector<std::string>& vs) {
  for (const auto& v : vs)
    check_no_nul(option, v);
}

bool is_env_name(std::string_view k) {
  if (k.empty() || (k[0] >= '0' && k[0] <= '9'))
    return false;
  for (char c : k)
    if (!((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '_'))
      return false;
  return true;
}

// "tcp://HOST:PORT", the form `troupe worker` takes.
bool is_scheduler_address(std::string_view a) {
  constexpr std::string_view scheme = "tcp://";
  if (a.substr(0, scheme.size()) != scheme)
    return false;
  auto rest = a.substr(scheme.size());
  auto colon = rest.rfind(':');
  if (colon == std::string_view::npos || colon == 0 || colon + 1 == rest.size())
    return false;
  if (rest.size() - colon - 1 > 5)
    return false;
  for (char c : rest.substr(colon + 1))
    if (c < '0' || c > '9')
      return false;
  return !has_byte(rest, std::string_view{" \t\n\r\0", 5});
}

}  // namespace

void validate(const job_spec& s) {
  auto sys = static_cast<int>(s.system);
  if (sys < static_cast<int>(job_system::slurm) || sys > static_cast<int>(job_system::htcondor))
    bad("system", "one of slurm, sge, pbs, lsf, htcondor", "job_system(" + std::to_string(sys) + ")");
  if (s.cores < 1)
    bad("cores", "an integer >= 1", std::to_string(s.cores));
  if (s.processes < 1 || s.processes > s.cores)
    bad("processes", "an integer from 1 to cores (" + std::to_string(s.cores) + ")",
        std::to_string(s.processes));
  constexpr std::uint64_t mib = 1024 * 1024;
  if (s.memory == 0)
    bad("memory", "a byte count > 0 (the whole job's memory)", "0");
  if (s.memory / static_cast<std::uint64_t>(s.processes) < mib)
    bad("memory", "at least 1 MiB per worker (" + std::to_string(s.processes) + " processes)",
        std::to_string(s.memory) + " bytes");
  if (s.walltime < 0)
    bad("walltime", "seconds >= 0 (0: the system's default)", std::to_string(s.walltime));
  if (s.walltime_margin < -1)
    bad("walltime_margin", "seconds >= 0 (0: workers do not retire before the walltime)",
        std::to_string(s.walltime_margin));
  if (s.walltime > 0 && s.walltime_margin >= s.walltime)
    bad("walltime_margin", "less than the walltime (" + std::to_string(s.walltime) + " s)",
        std::to_string(s.walltime_margin) + " s");
  if (s.death_timeout < 0)
    bad("death_timeout", "seconds >= 0 (0: the worker's default)", std::to_string(s.death_timeout));

  check_directive_value("job_name", s.job_name, true);
  check_directive_value("queue", s.queue, false);
  check_directive_value("account", s.account, false);
  check_directive_value("log_directory", s.log_directory, false);
  check_directive_value("parallel_environment", s.parallel_environment, false);
  check_lines("job_extra_directives", s.job_extra_directives);
  check_lines("job_directives_skip", s.job_directives_skip);
  for (const auto& skip : s.job_directives_skip)
    if (skip.empty())
      bad("job_directives_skip", "non-empty substrings (an empty one would drop every line)",
          shown(skip));
  check_no_nul("job_script_prologue", s.job_script_prologue);
  check_no_nul("job_script_epilogue", s.job_script_epilogue);
  check_no_nul("local_directory", s.local_directory);
  if (has_byte(s.interface, std::string_view{" \t\n\r\0/", 6}) || s.interface.size() > 15)
    bad("interface", "a network interface name such as eth0 or ib0 (at most 15 characters)",
        shown(s.interface));
  check_no_nul("worker_extra_args", s.worker_extra_args);
  check_no_nul("submit_command_extra", s.submit_command_extra);

  if (s.worker_command.empty() || s.worker_command[0].empty())
    bad("worker_command", "the worker's argv, e.g. [\"/usr/bin/troupe\", \"worker\"]",
        s.worker_command.empty() ? "an empty list" : "an empty program name");
  check_no_nul("worker_command", s.worker_command);
  if (s.role == job_role::workers && !is_scheduler_address(s.scheduler_address))
    bad("scheduler_address", "\"tcp://HOST:PORT\"", shown(s.scheduler_address));
  if (s.role == job_role::scheduler
      && (s.scheduler_file.empty() || has_byte(s.scheduler_file, std::string_view{"\n\r\0", 3})))
    bad("scheduler_file", "one line: the path the scheduler job writes its address to",
        shown(s.scheduler_file));
  for (const auto& [k, v] : s.env) {
    if (!is_env_name(k))
      bad("env", "variable names of letters, digits and _ (not starting with a digit)", shown(k));
    check_no_nul("env", v);
  }

  if (s.system == job_system::htcondor && !s.queue.empty())
    bad("queue", "nothing for HTCondor, which has no queues (use job_extra_directives, "
        "e.g. \"requirements = ...\")", shown(s.queue));
  if (s.system != job_system::sge && !s.parallel_environment.empty())
    bad("parallel_environment", std::string{"nothing for "} + system_name(s.system)
        + " (it is an SGE option)", shown(s.parallel_environment));
  if (s.lsf_units != "KB" && s.lsf_units != "MB" && s.lsf_units != "GB" && s.lsf_units != "TB")
    bad("lsf_units", "one of KB, MB, GB, TB", shown(s.lsf_units));
}

}  // namespace troupe::batch_plugin
