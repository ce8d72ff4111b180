// Settings from environment variables, over those from a file.
#pragma once

#include "troupe/config.hpp"

namespace troupe::internal {

/// Applies TROUPE_<SECTION>__<KEY> variables (and the older TROUPE_LOG_LEVEL
/// and TROUPE_TIMEOUT, which the new names beat). Lists are split at ':'.
/// Throws config_error naming the variable for a bad value or an unknown
/// section or key.
void apply_environment(runtime_config& config);

} // namespace troupe::internal
