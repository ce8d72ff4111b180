// Logging level of troupe's own messages (spdlog underneath).
#pragma once

#include <string>

namespace troupe {

/// "trace", "debug", "info", "warn", "error", "critical" or "off" (any case).
/// Throws config_error on other names. TROUPE_LOG_LEVEL sets it at start-up;
/// the default is "warn".
void set_log_level(const std::string& level);
std::string log_level();

} // namespace troupe
