#include "troupe/config.hpp"

#include <cstdlib>

#include <toml++/toml.h>

#include "troupe/errors.hpp"
#include "troupe/log.hpp"

namespace troupe {

namespace {

std::string where(const std::string& path, const toml::source_region& r) {
  return path + ":" + std::to_string(r.begin.line) + ":" + std::to_string(r.begin.column);
}

[[noreturn]] void bad_key(const std::string& path, const toml::node& n, const std::string& key,
                          const std::string& expected) {
  throw config_error("troupe: " + where(path, n.source()) + ": '" + key + "' must be "
                     + expected);
}

} // namespace

runtime_config load_config(const std::string& path) {
  toml::table t;
  try {
    t = toml::parse_file(path);
  } catch (const toml::parse_error& e) {
    throw config_error("troupe: " + where(path, e.source()) + ": " + std::string{e.description()});
  }
  runtime_config c;
  for (auto& [section, node] : t) {
    std::string name{section.str()};
    auto* table = node.as_table();
    if (!table || (name != "logging" && name != "client"))
      throw config_error("troupe: " + where(path, node.source()) + ": unknown section '" + name
                         + "' (known: [logging], [client])");
    for (auto& [key, value] : *table) {
      std::string k = name + "." + std::string{key.str()};
      if (k == "logging.level") {
        auto s = value.value<std::string>();
        if (!value.is_string())
          bad_key(path, value, k, "a string such as \"info\"");
        c.log_level = *s;
      } else if (k == "client.timeout") {
        if (!value.is_number())
          bad_key(path, value, k, "a number of seconds");
        c.timeout_seconds = *value.value<double>();
        if (*c.timeout_seconds <= 0)
          bad_key(path, value, k, "a positive number of seconds");
      } else {
        throw config_error("troupe: " + where(path, value.source()) + ": unknown key '" + k + "'");
      }
    }
  }
  if (c.log_level) {
    try {
      auto before = log_level();
      set_log_level(*c.log_level);
      set_log_level(before);
    } catch (const config_error& e) {
      throw config_error("troupe: " + path + ": logging.level: " + e.what());
    }
  }
  return c;
}

void apply_config(const runtime_config& config) {
  const char* env_level = std::getenv("TROUPE_LOG_LEVEL");
  if (config.log_level && !(env_level && *env_level))
    set_log_level(*config.log_level);
  if (config.timeout_seconds && !std::getenv("TROUPE_TIMEOUT"))
    setenv("TROUPE_TIMEOUT", std::to_string(*config.timeout_seconds).c_str(), 0);
}

} // namespace troupe
