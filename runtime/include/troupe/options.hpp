// Options for a cluster backend (plugin), from code or from a TOML profile.
// Values keep where they came from so a bad one is reported at its place.
#pragma once

#include <cstdint>
#include <map>
#include <string>
#include <variant>

namespace troupe {

using option_value = std::variant<bool, std::int64_t, double, std::string>;

struct cluster_options {
  std::map<std::string, option_value> values;
  /// key -> "file:line:col" for values read from a file; absent for code.
  std::map<std::string, std::string> where;

  cluster_options() = default;
  cluster_options(std::initializer_list<std::pair<const std::string, option_value>> init)
      : values(init) {}
};

} // namespace troupe
