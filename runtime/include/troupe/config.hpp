// Runtime settings from a TOML file (TROUPE_CONFIG names one to read at
// start-up); environment variables override the file.
#pragma once

#include <optional>
#include <string>

namespace troupe {

struct runtime_config {
  std::optional<std::string> log_level;   ///< [logging] level
  std::optional<double> timeout_seconds;  ///< [client] timeout
};

/// Reads a TOML file. Throws config_error naming the file, line and column of
/// a syntax error, or the key whose value has the wrong type or is unknown.
runtime_config load_config(const std::string& path);

/// Applies the settings (log level now; the timeout for clients made later,
/// unless TROUPE_TIMEOUT is set).
void apply_config(const runtime_config& config);

} // namespace troupe
