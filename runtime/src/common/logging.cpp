#include "common/logging.hpp"

#include <spdlog/sinks/stdout_color_sinks.h>

#include <algorithm>
#include <array>
#include <cctype>
#include <mutex>
#include <optional>

#include "troupe/config.hpp"
#include "troupe/errors.hpp"
#include "troupe/log.hpp"

namespace troupe {

namespace {

// spdlog would silently turn an unknown name into "off": look names up here.
std::optional<spdlog::level::level_enum> level_named(std::string_view level) {
  static constexpr std::array names{"trace", "debug", "info", "warn", "error", "critical", "off"};
  std::string l{level};
  std::transform(l.begin(), l.end(), l.begin(),
                 [](unsigned char c) { return static_cast<char>(std::tolower(c)); });
  if (l == "warning")
    l = "warn";
  for (std::size_t i = 0; i < names.size(); ++i)
    if (l == names[i])
      return static_cast<spdlog::level::level_enum>(i);
  return std::nullopt;
}

} // namespace

void set_log_level(const std::string& level) {
  auto l = level_named(level);
  if (!l)
    throw config_error("troupe: unknown log level '" + level
                       + "' (use trace, debug, info, warn, error, critical or off)");
  spdlog::set_level(*l);
}

std::string log_level() {
  auto sv = spdlog::level::to_string_view(spdlog::get_level());
  return std::string{sv.data(), sv.size()};
}

} // namespace troupe

namespace troupe::internal {

bool is_log_level(std::string_view name) { return level_named(name).has_value(); }

void init_logging() {
  static std::once_flag once;
  std::call_once(once, [] {
    // Log lines go to stderr, as Dask's do: stdout belongs to the program
    // (a benchmark's JSON, a CLI's table).
    spdlog::set_default_logger(spdlog::stderr_color_mt("troupe"));
    spdlog::set_pattern("[%H:%M:%S.%e] [troupe] [%l] %v");
    spdlog::set_level(spdlog::level::warn);
    // A bad file or environment variable throws out of here, so whoever
    // starts a cluster or client sees the config_error instead of settings
    // being silently ignored; call_once then tries again next time.
    apply_config(current_config());
  });
}

} // namespace troupe::internal
