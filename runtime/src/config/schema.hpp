// Every key of [scheduler], [worker], [client], [plugins] and [logging]: what
// it accepts and where it goes. One table serves the TOML reader and the
// environment overrides, so both check values the same way.
#pragma once

#include <cstdint>
#include <filesystem>
#include <functional>
#include <string>
#include <string_view>
#include <variant>
#include <vector>

#include "troupe/config.hpp"

namespace troupe::internal {

/// A value as written in a file or an environment variable, not yet checked.
using raw_value =
  std::variant<bool, std::int64_t, double, std::string, std::vector<std::string>>;

/// For messages: "an integer", "a string (\"abc\")", ...
std::string describe(const raw_value& value);

/// How an environment variable's text becomes a raw_value.
enum class value_kind { text, integer, bytes, duration, text_list, boolean };

/// One key of a section.
struct config_key {
  std::string_view name;
  value_kind kind;
  /// For messages: "an integer from 0 to 65535".
  std::string expected;
  /// Checks the value and stores it in the config; throws bad_value. Relative
  /// paths are taken relative to `base` (the file's directory), kept as
  /// written when `base` is empty.
  std::function<void(runtime_config&, const raw_value&, const std::filesystem::path& base)> set;
};

struct config_section {
  std::string_view name;
  std::vector<config_key> keys;

  const config_key* find(std::string_view key) const;
  /// "host, port, ..." for messages.
  std::string key_names() const;
};

/// The fixed sections. [cluster.NAME] profiles are free-form: read apart.
const std::vector<config_section>& config_sections();
const config_section* find_section(std::string_view name);
/// "scheduler, worker, client, network, plugins, logging, cluster.NAME" for messages.
std::string section_names();

} // namespace troupe::internal
