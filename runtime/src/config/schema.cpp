#include "config/schema.hpp"

#include <chrono>
#include <climits>
#include <cmath>
#include <cstdlib>
#include <sstream>

#include "common/logging.hpp"
#include "config/bad_value.hpp"
#include "config/units.hpp"

namespace troupe::internal {

namespace {

using std::chrono::milliseconds;
using std::filesystem::path;

template <class T>
using field = T& (*)(runtime_config&);

[[noreturn]] void expected_but_got(const std::string& expected, const raw_value& value) {
  throw bad_value("expected " + expected + ", got " + describe(value));
}

config_key integer_key(std::string_view name, field<int> to, int min, int max) {
  auto expected = max == INT_MAX
                    ? "an integer >= " + std::to_string(min)
                    : "an integer from " + std::to_string(min) + " to " + std::to_string(max);
  auto set = [=](runtime_config& c, const raw_value& v, const path&) {
    auto* i = std::get_if<std::int64_t>(&v);
    if (!i || *i < min || *i > max)
      expected_but_got(expected, v);
    to(c) = static_cast<int>(*i);
  };
  return {name, value_kind::integer, expected, set};
}

// `check` throws bad_value for strings of the right type but a wrong value.
config_key text_key(std::string_view name, field<std::string> to, std::string expected,
                    void (*check)(const std::string&) = nullptr) {
  auto set = [=](runtime_config& c, const raw_value& v, const path&) {
    auto* s = std::get_if<std::string>(&v);
    if (!s)
      expected_but_got(expected, v);
    if (check)
      check(*s);
    to(c) = *s;
  };
  return {name, value_kind::text, expected, set};
}

config_key bytes_key(std::string_view name, field<std::uint64_t> to) {
  std::string expected = "a byte size such as \"2 GiB\" or a whole number of bytes";
  auto set = [=](runtime_config& c, const raw_value& v, const path&) {
    if (auto* i = std::get_if<std::int64_t>(&v); i && *i >= 0)
      to(c) = static_cast<std::uint64_t>(*i);
    else if (auto* s = std::get_if<std::string>(&v))
      to(c) = bytes_from_text(*s);
    else
      expected_but_got(expected, v);
  };
  return {name, value_kind::bytes, expected, set};
}

// Durations are kept in milliseconds; anything that rounds to 0 ms is refused
// rather than silently becoming "no wait at all".
config_key duration_key(std::string_view name, field<milliseconds> to) {
  std::string expected = "a duration such as \"30 s\" or \"500 ms\", or a number of seconds";
  auto set = [=](runtime_config& c, const raw_value& v, const path&) {
    std::chrono::nanoseconds d{};
    if (auto* i = std::get_if<std::int64_t>(&v))
      d = duration_from_seconds(static_cast<double>(*i));
    else if (auto* f = std::get_if<double>(&v))
      d = duration_from_seconds(*f);
    else if (auto* s = std::get_if<std::string>(&v))
      d = duration_from_text(*s);
    else
      expected_but_got(expected, v);
    auto rounded = std::chrono::round<milliseconds>(d);
    if (rounded.count() <= 0)
      throw bad_value("must be at least 1 ms, got " + describe(v));
    to(c) = rounded;
  };
  return {name, value_kind::duration, expected, set};
}

config_key bool_key(std::string_view name, field<bool> to) {
  std::string expected = "true or false";
  auto set = [=](runtime_config& c, const raw_value& v, const path&) {
    auto* b = std::get_if<bool>(&v);
    if (!b)
      expected_but_got(expected, v);
    to(c) = *b;
  };
  return {name, value_kind::boolean, expected, set};
}

// The dashboard link template may use {host} and {port}, nothing else.
void link_template(const std::string& s) {
  for (std::size_t open = s.find('{'); open != std::string::npos; open = s.find('{', open + 1)) {
    auto close = s.find('}', open);
    auto name = close == std::string::npos ? std::string{} : s.substr(open + 1, close - open - 1);
    if (name != "host" && name != "port")
      throw bad_value("unknown placeholder in '" + s + "' (use {host} and {port})");
  }
}

config_key list_key(std::string_view name, field<std::vector<std::string>> to) {
  std::string expected = "an array of strings";
  auto set = [=](runtime_config& c, const raw_value& v, const path&) {
    auto* list = std::get_if<std::vector<std::string>>(&v);
    if (!list)
      expected_but_got(expected, v);
    to(c) = *list;
  };
  return {name, value_kind::text_list, expected, set};
}

// "~" and "~/x" use $HOME; relative paths are relative to `base`.
std::string expand_path(const std::string& p, const path& base) {
  if (p.empty())
    throw bad_value("an empty string is not a directory");
  if (p == "~" || p.starts_with("~/")) {
    const char* home = std::getenv("HOME");
    if (!home || !*home)
      throw bad_value("cannot expand '" + p + "': HOME is not set");
    return home + p.substr(1);
  }
  path as_path{p};
  if (as_path.is_relative() && !base.empty())
    return (base / as_path).lexically_normal().string();
  return p;
}

config_key directory_list_key(std::string_view name, field<std::vector<std::string>> to) {
  std::string expected = "an array of directories (strings)";
  auto set = [=](runtime_config& c, const raw_value& v, const path& base) {
    auto* list = std::get_if<std::vector<std::string>>(&v);
    if (!list)
      expected_but_got(expected, v);
    std::vector<std::string> expanded;
    for (const auto& p : *list)
      expanded.push_back(expand_path(p, base));
    to(c) = std::move(expanded);
  };
  return {name, value_kind::text_list, expected, set};
}

void non_empty(const std::string& s) {
  if (s.empty())
    throw bad_value("must not be empty");
}

void known_log_level(const std::string& s) {
  if (!is_log_level(s))
    throw bad_value("unknown log level '" + s
                    + "' (use trace, debug, info, warn, error, critical or off)");
}

std::vector<config_section> make_sections() {
  return {
    {"scheduler",
     {
       text_key("host", [](runtime_config& c) -> auto& { return c.scheduler.host; },
                "a host name or address (string)", non_empty),
       integer_key("port", [](runtime_config& c) -> auto& { return c.scheduler.port; }, 0, 65535),
       duration_key("heartbeat_interval",
                    [](runtime_config& c) -> auto& { return c.scheduler.heartbeat_interval; }),
       duration_key("worker_timeout",
                    [](runtime_config& c) -> auto& { return c.scheduler.worker_timeout; }),
       integer_key("allowed_failures",
                   [](runtime_config& c) -> auto& { return c.scheduler.allowed_failures; }, 0,
                   INT_MAX),
     }},
    {"worker",
     {
       integer_key("nthreads", [](runtime_config& c) -> auto& { return c.worker.nthreads; }, 1,
                   INT_MAX),
       bytes_key("memory_limit", [](runtime_config& c) -> auto& { return c.worker.memory_limit; }),
       text_key("name", [](runtime_config& c) -> auto& { return c.worker.name; }, "a string"),
       duration_key("reconnect_timeout",
                    [](runtime_config& c) -> auto& { return c.worker.reconnect_timeout; }),
       list_key("load", [](runtime_config& c) -> auto& { return c.worker.load; }),
     }},
    {"client",
     {
       duration_key("timeout", [](runtime_config& c) -> auto& { return c.client.timeout; }),
       duration_key("connect_timeout",
                    [](runtime_config& c) -> auto& { return c.client.connect_timeout; }),
     }},
    {"network",
     {
       bytes_key("max_message_size",
                 [](runtime_config& c) -> auto& { return c.network.max_message_size; }),
       duration_key("handshake_timeout",
                    [](runtime_config& c) -> auto& { return c.network.handshake_timeout; }),
       duration_key("frame_timeout",
                    [](runtime_config& c) -> auto& { return c.network.frame_timeout; }),
     }},
    {"plugins",
     {
       directory_list_key("search_path",
                          [](runtime_config& c) -> auto& { return c.plugins.search_path; }),
     }},
    {"dashboard",
     {
       bool_key("enabled", [](runtime_config& c) -> auto& { return c.dashboard.enabled; }),
       text_key("host", [](runtime_config& c) -> auto& { return c.dashboard.host; },
                "a host name or address (string)", non_empty),
       integer_key("port", [](runtime_config& c) -> auto& { return c.dashboard.port; }, 0, 65535),
       text_key("link", [](runtime_config& c) -> auto& { return c.dashboard.link; },
                "a URL template (string)", link_template),
       duration_key("interval", [](runtime_config& c) -> auto& { return c.dashboard.interval; }),
       duration_key("metrics_interval",
                    [](runtime_config& c) -> auto& { return c.dashboard.metrics_interval; }),
       integer_key("graph_limit", [](runtime_config& c) -> auto& { return c.dashboard.graph_limit; },
                   0, 100000),
       integer_key("task_stream_size",
                   [](runtime_config& c) -> auto& { return c.dashboard.task_stream_size; }, 1000,
                   10000000),
     }},
    {"logging",
     {
       text_key("level", [](runtime_config& c) -> auto& { return c.logging.level; },
                "a log level (string)", known_log_level),
     }},
  };
}

} // namespace

std::string describe(const raw_value& value) {
  struct visitor {
    std::string operator()(bool b) const { return b ? "a boolean (true)" : "a boolean (false)"; }
    std::string operator()(std::int64_t i) const {
      return "an integer (" + std::to_string(i) + ")";
    }
    std::string operator()(double d) const {
      std::ostringstream text;
      text << "a float (" << d << (d == std::floor(d) && std::abs(d) < 1e15 ? ".0)" : ")");
      return text.str();
    }
    std::string operator()(const std::string& s) const { return "a string (\"" + s + "\")"; }
    std::string operator()(const std::vector<std::string>&) const { return "an array"; }
  };
  return std::visit(visitor{}, value);
}

const config_key* config_section::find(std::string_view key) const {
  for (const auto& k : keys)
    if (k.name == key)
      return &k;
  return nullptr;
}

std::string config_section::key_names() const {
  std::string names;
  for (const auto& k : keys)
    names += (names.empty() ? "" : ", ") + std::string{k.name};
  return names;
}

const std::vector<config_section>& config_sections() {
  static const std::vector<config_section> sections = make_sections();
  return sections;
}

const config_section* find_section(std::string_view name) {
  for (const auto& s : config_sections())
    if (s.name == name)
      return &s;
  return nullptr;
}

std::string section_names() {
  std::string names;
  for (const auto& s : config_sections())
    names += std::string{s.name} + ", ";
  return names + "cluster.NAME";
}

} // namespace troupe::internal
