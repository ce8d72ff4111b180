// Checks that a message's flat arrays agree with each other before anything
// indexes into them: a malformed message is refused with a reason, never a
// crash. Every message whose arrays are read in parallel, or whose offsets
// slice a buffer, has a check; its receiver calls it first (messages come
// from other processes, and BASP does not authenticate them).
#pragma once

#include <string>

#include "protocol/messages.hpp"

namespace troupe::internal::proto {

/// Empty when well formed, else what is wrong.
std::string check(const detail::task_batch& b);
std::string check(const submit& m);
std::string check(const scatter& m);
std::string check(const key_updates& m);
std::string check(const worker_directory& m);
std::string check(const run_batch& m);
std::string check(const done_batch& b);
std::string check(const acquired& m);
std::string check(const fetched& m);
std::string check(const fetch_done& m);
std::string check(const store_keys& m);
std::string check(const cluster_snapshot& m);
std::string check(const worker_metrics& m);

/// Messages without a check pass.
template <class T>
std::string check(const T&) {
  return {};
}

} // namespace troupe::internal::proto
