// The states a task passes through in the scheduler, and which moves are legal.
#pragma once

#include <cstdint>

namespace troupe::internal {

enum class task_state : std::uint8_t {
  released,    // known, not (or no longer) wanted: about to be forgotten
  waiting,     // some dependency not yet in memory
  ready,       // all dependencies in memory, queued for a worker
  processing,  // sent to a worker
  memory,      // result held by one or more workers
  erred,       // failed (itself or a dependency)
};

constexpr const char* to_string(task_state s) {
  switch (s) {
    case task_state::released: return "released";
    case task_state::waiting: return "waiting";
    case task_state::ready: return "ready";
    case task_state::processing: return "processing";
    case task_state::memory: return "memory";
    case task_state::erred: return "erred";
  }
  return "?";
}

/// The transitions the scheduler may make; anything else is a bug.
constexpr bool legal_transition(task_state from, task_state to) {
  using s = task_state;
  switch (from) {
    case s::released: return to == s::waiting || to == s::ready || to == s::processing;
    case s::waiting: return to == s::ready || to == s::erred || to == s::released;
    case s::ready: return to == s::processing || to == s::erred || to == s::released;
    case s::processing:
      return to == s::memory || to == s::erred || to == s::ready || to == s::released;
    case s::memory: return to == s::released;
    case s::erred: return to == s::released;
  }
  return false;
}

} // namespace troupe::internal
