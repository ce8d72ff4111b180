// Checks that a message's flat arrays agree with each other before anything
// indexes into them: a malformed message is refused with a reason, never a
// crash. (Today messages come from this process; the next step is the network.)
#pragma once

#include <string>

#include "protocol/messages.hpp"

namespace troupe::internal::proto {

/// Empty when well formed, else what is wrong.
std::string check(const detail::task_batch& b);
std::string check(const done_batch& b);

} // namespace troupe::internal::proto
