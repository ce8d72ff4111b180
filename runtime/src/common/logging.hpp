// troupe logs through spdlog; the level comes from TROUPE_LOG_LEVEL.
#pragma once

#include <spdlog/spdlog.h>

namespace troupe::internal {

/// Reads TROUPE_LOG_LEVEL once (default "warn"); a bad value is reported.
void init_logging();

} // namespace troupe::internal
