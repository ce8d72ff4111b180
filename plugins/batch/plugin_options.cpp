#include "plugin_options.hpp"

#include <charconv>
#include <stdexcept>

#include "job_system.hpp"

namespace troupe::batch_plugin {

namespace {

std::string_view trim(std::string_view s) {
  auto b = s.find_first_not_of(" \t\r");
  if (b == std::string_view::npos)
    return {};
  auto e = s.find_last_not_of(" \t\r");
  return s.substr(b, e - b + 1);
}

[[noreturn]] void bad(std::string_view option, std::string_view expects, std::string_view got) {
  throw std::invalid_argument("batch: option '" + std::string{option} + "' expects "
                              + std::string{expects} + ", got \"" + std::string{got} + "\"");
}

bool parse_int(std::string_view s, std::int64_t& out) {
  auto [p, ec] = std::from_chars(s.data(), s.data() + s.size(), out);
  return ec == std::errc{} && p == s.data() + s.size() && out >= 0;
}

std::chrono::milliseconds millis(const sdk::options& opts, const char* key,
                                 std::chrono::milliseconds def) {
  auto ns = opts.get_duration(key, def);
  auto ms = std::chrono::ceil<std::chrono::milliseconds>(ns);
  if (ms.count() <= 0)
    bad(key, "a duration > 0", opts.get_string(key, ""));
  return ms;
}

}  // namespace

std::vector<std::string> lines_option(std::string_view text) {
  std::vector<std::string> out;
  std::size_t start = 0;
  while (start <= text.size()) {
    auto end = text.find('\n', start);
    if (end == std::string_view::npos)
      end = text.size();
    if (auto line = trim(text.substr(start, end - start)); !line.empty())
      out.emplace_back(line);
    start = end + 1;
  }
  return out;
}

std::vector<std::string> argv_option(std::string_view text) {
  // Line breaks around the words (a TOML multi-line string) do not count.
  auto b = text.find_first_not_of(" \t\r\n");
  auto e = text.find_last_not_of(" \t\r\n");
  if (b != std::string_view::npos && text.substr(b, e - b + 1).find('\n') != std::string_view::npos)
    return lines_option(text);
  std::vector<std::string> out;
  std::size_t i = 0;
  while (i < text.size()) {
    auto b = text.find_first_not_of(" \t\r\n", i);
    if (b == std::string_view::npos)
      break;
    auto e = text.find_first_of(" \t\r\n", b);
    if (e == std::string_view::npos)
      e = text.size();
    out.emplace_back(text.substr(b, e - b));
    i = e;
  }
  return out;
}

std::map<std::string, std::string> env_option(std::string_view text) {
  std::map<std::string, std::string> env;
  for (const auto& line : lines_option(text)) {
    auto eq = line.find('=');
    if (eq == std::string::npos || eq == 0)
      bad("env", "one KEY=VALUE per line", line);
    env[std::string{trim(std::string_view{line}.substr(0, eq))}] = line.substr(eq + 1);
  }
  return env;
}

std::int64_t parse_walltime(std::string_view text) {
  constexpr std::string_view expects =
    "\"HH:MM:SS\", \"D-HH:MM:SS\" or seconds with an optional unit (\"90 min\", \"2 h\")";
  auto t = trim(text);
  if (t.empty())
    return 0;
  if (t.find(':') != std::string_view::npos) {
    std::int64_t days = 0;
    if (auto dash = t.find('-'); dash != std::string_view::npos) {
      if (!parse_int(t.substr(0, dash), days))
        bad("walltime", expects, text);
      t = t.substr(dash + 1);
    }
    std::int64_t part[3];
    for (int i = 0; i < 3; ++i) {
      auto colon = t.find(':');
      auto piece = i < 2 ? t.substr(0, colon) : t;
      if ((i < 2 && colon == std::string_view::npos) || piece.empty() || !parse_int(piece, part[i])
          || (i > 0 && part[i] > 59))
        bad("walltime", expects, text);
      if (i < 2)
        t = t.substr(colon + 1);
    }
    return days * 86400 + part[0] * 3600 + part[1] * 60 + part[2];
  }
  auto unit_at = t.find_first_not_of("0123456789");
  std::int64_t n = 0;
  if (!parse_int(t.substr(0, unit_at), n))
    bad("walltime", expects, text);
  auto unit = unit_at == std::string_view::npos ? std::string_view{} : trim(t.substr(unit_at));
  if (unit.empty() || unit == "s")
    return n;
  if (unit == "min")
    return n * 60;
  if (unit == "h")
    return n * 3600;
  bad("walltime", expects, text);
}

plugin_settings read_options(const sdk::options& opts) {
  plugin_settings s;
  job_spec& j = s.spec;
  j.system = parse_system(opts.get_string("system", ""));
  j.cores = opts.get_int("cores", j.cores);
  j.memory = opts.get_bytes("memory", 0);
  j.processes = opts.get_int("processes", j.processes);
  j.queue = opts.get_string("queue", "");
  j.account = opts.get_string("account", "");
  j.walltime = parse_walltime(opts.get_string("walltime", ""));
  j.job_name = opts.get_string("job_name", j.job_name);
  j.job_extra_directives = lines_option(opts.get_string("job_extra_directives", ""));
  j.job_directives_skip = lines_option(opts.get_string("job_directives_skip", ""));
  j.job_script_prologue = lines_option(opts.get_string("job_script_prologue", ""));
  j.job_script_epilogue = lines_option(opts.get_string("job_script_epilogue", ""));
  j.local_directory = opts.get_string("local_directory", "");
  j.log_directory = opts.get_string("log_directory", "");
  s.log_directory_given = !j.log_directory.empty();
  j.worker_command = argv_option(opts.get_string("worker_command", ""));
  s.worker_command_given = !j.worker_command.empty();
  j.worker_extra_args = argv_option(opts.get_string("worker_extra_args", ""));
  // Whole seconds, rounded up: the worker never gives up sooner than asked.
  auto death = opts.get_duration("death_timeout", std::chrono::nanoseconds{0});
  j.death_timeout = std::chrono::ceil<std::chrono::seconds>(death).count();
  if (opts.has("walltime_margin")) {
    auto margin = opts.get_duration("walltime_margin", std::chrono::nanoseconds{0});
    if (margin.count() < 0)
      bad("walltime_margin", "a duration >= 0", opts.get_string("walltime_margin", ""));
    j.walltime_margin = std::chrono::ceil<std::chrono::seconds>(margin).count();
  }
  j.interface = opts.get_string("interface", "");
  j.env = env_option(opts.get_string("env", ""));
  j.submit_command_extra = argv_option(opts.get_string("submit_command_extra", ""));
  j.parallel_environment = opts.get_string("parallel_environment", "");
  j.lsf_units = opts.get_string("lsf_units", j.lsf_units);

  auto n = opts.get_int("n_workers", 0);
  if (n < 0 || n > 100000)
    bad("n_workers", "an integer from 0 to 100000", opts.get_string("n_workers", ""));
  s.n_workers = static_cast<std::uint32_t>(n);
  s.poll_interval = millis(opts, "poll_interval", s.poll_interval);
  s.command_timeout = millis(opts, "command_timeout", s.command_timeout);
  s.stop_timeout = millis(opts, "stop_timeout", s.stop_timeout);
  s.scheduler_host = opts.get_string("scheduler_host", "");
  auto placement = opts.get_string("scheduler_placement", "local");
  if (placement != "local" && placement != "job")
    bad("scheduler_placement", "\"local\" (in the submitting process) or \"job\" (a batch job "
        "of its own)", placement);
  s.scheduler_in_job = placement == "job";
  s.scheduler_command = argv_option(opts.get_string("scheduler_command", ""));
  s.scheduler_timeout = millis(opts, "scheduler_timeout", s.scheduler_timeout);
  return s;
}

}  // namespace troupe::batch_plugin
