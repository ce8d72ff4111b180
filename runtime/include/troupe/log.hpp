// Logging level of troupe's own messages (spdlog underneath).
#pragma once

#include <string>

namespace troupe {

/// "trace", "debug", "info", "warn", "error", "critical" or "off" (any case).
/// Throws config_error on other names. The configuration sets it at start-up
/// ([logging] level, TROUPE_LOGGING__LEVEL or TROUPE_LOG_LEVEL);
/// the default is "warn".
void set_log_level(const std::string& level);
std::string log_level();

} // namespace troupe
