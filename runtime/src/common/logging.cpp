#include "common/logging.hpp"

#include <algorithm>
#include <array>
#include <cctype>
#include <cstdlib>
#include <mutex>

#include "troupe/config.hpp"
#include "troupe/errors.hpp"
#include "troupe/log.hpp"

namespace troupe {

namespace {

std::string lower(std::string s) {
  std::transform(s.begin(), s.end(), s.begin(),
                 [](unsigned char c) { return static_cast<char>(std::tolower(c)); });
  return s;
}

} // namespace

void set_log_level(const std::string& level) {
  static constexpr std::array names{"trace", "debug", "info", "warn", "error", "critical", "off"};
  auto l = lower(level);
  if (l == "warning")
    l = "warn";
  for (std::size_t i = 0; i < names.size(); ++i)
    if (l == names[i]) {
      spdlog::set_level(static_cast<spdlog::level::level_enum>(i));
      return;
    }
  // spdlog would silently turn an unknown name into "off": refuse instead.
  throw config_error("troupe: unknown log level '" + level
                     + "' (use trace, debug, info, warn, error, critical or off)");
}

std::string log_level() {
  auto sv = spdlog::level::to_string_view(spdlog::get_level());
  return std::string{sv.data(), sv.size()};
}

} // namespace troupe

namespace troupe::internal {

void init_logging() {
  static std::once_flag once;
  std::call_once(once, [] {
    spdlog::set_pattern("[%H:%M:%S.%e] [troupe] [%l] %v");
    const char* env = std::getenv("TROUPE_LOG_LEVEL");
    try {
      set_log_level(env && *env ? env : "warn");
    } catch (const config_error& e) {
      spdlog::set_level(spdlog::level::warn);
      spdlog::warn("{}; TROUPE_LOG_LEVEL ignored", e.what());
    }
    // A file named by TROUPE_CONFIG; the environment wins over it.
    if (const char* path = std::getenv("TROUPE_CONFIG"); path && *path)
      apply_config(load_config(path));
  });
}

} // namespace troupe::internal
