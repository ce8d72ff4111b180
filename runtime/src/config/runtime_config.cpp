// Which file to read, the environment over it, and the process-wide copy.
#include <cstdlib>
#include <filesystem>

#include "config/environment.hpp"
#include "troupe/config.hpp"
#include "troupe/errors.hpp"
#include "troupe/log.hpp"

namespace troupe {

namespace {

bool is_file(const std::string& path) {
  std::error_code ec;
  return std::filesystem::is_regular_file(path, ec);
}

} // namespace

std::optional<std::string> find_config_file(const std::string& explicit_path) {
  // A file asked for by name must exist: silently using defaults instead
  // would hide a typo.
  if (!explicit_path.empty()) {
    if (!is_file(explicit_path))
      throw config_error("troupe: config file " + explicit_path
                         + " does not exist (or is not a file)");
    return explicit_path;
  }
  if (const char* env = std::getenv("TROUPE_CONFIG"); env && *env) {
    if (!is_file(env))
      throw config_error("troupe: TROUPE_CONFIG=" + std::string{env}
                         + ": the file does not exist (or is not a file)");
    return std::string{env};
  }
  if (const char* home = std::getenv("HOME"); home && *home) {
    auto user = std::string{home} + "/.config/troupe/troupe.toml";
    if (is_file(user))
      return user;
  }
  if (std::string system = "/etc/troupe/troupe.toml"; is_file(system))
    return system;
  return std::nullopt;
}

runtime_config load_runtime_config(const std::string& explicit_path) {
  auto file = find_config_file(explicit_path);
  runtime_config config = file ? load_config(*file) : runtime_config{};
  internal::apply_environment(config);
  return config;
}

const runtime_config& current_config() {
  // A static's initialisation is thread-safe, and is tried again by the next
  // call when it throws.
  static const runtime_config config = load_runtime_config();
  return config;
}

void apply_config(const runtime_config& config) { set_log_level(config.logging.level); }

} // namespace troupe
