// troupe logs through spdlog; the level comes from the configuration
// ([logging] level, TROUPE_LOGGING__LEVEL or TROUPE_LOG_LEVEL).
#pragma once

#include <string_view>

#include <spdlog/spdlog.h>

namespace troupe::internal {

/// Sets the level from current_config() once. An error in the configuration
/// (file or environment) is thrown, and the next call tries again.
void init_logging();

/// Whether set_log_level accepts this name.
bool is_log_level(std::string_view name);

} // namespace troupe::internal
