// Checking a job_spec before anything is built from it, so a bad option
// fails at configuration time with a message that names it.
#pragma once

#include "job_spec.hpp"

namespace troupe::batch_plugin {

/// Throws std::invalid_argument "batch: option 'NAME' expects WHAT, got
/// VALUE" for the first bad option.
void validate(const job_spec& spec);

}  // namespace troupe::batch_plugin
