// The states a task passes through in the scheduler, and which moves are legal.
#pragma once

#include <cstdint>

namespace troupe::internal {

enum class task_state : std::uint8_t {
  released,    // no result, not needed: new, or kept as a dependent's lineage
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
/// Losing results adds some: a result only a dead worker held goes back to
/// waiting or ready to be recomputed from its lineage (memory -> waiting/ready),
/// or errs if it cannot be: scattered data has no lineage, and a retiring
/// worker may find no one to take it (memory -> erred; released -> erred for
/// released scattered data needed again). A task whose input went missing
/// waits again (ready/processing -> waiting).
constexpr bool legal_transition(task_state from, task_state to) {
  using s = task_state;
  switch (from) {
    case s::released:
      return to == s::waiting || to == s::ready || to == s::processing || to == s::erred;
    case s::waiting: return to == s::ready || to == s::erred || to == s::released;
    case s::ready:
      return to == s::processing || to == s::erred || to == s::released || to == s::waiting;
    case s::processing:
      return to == s::memory || to == s::erred || to == s::ready || to == s::released
             || to == s::waiting;
    case s::memory:
      return to == s::released || to == s::waiting || to == s::ready || to == s::erred;
    case s::erred: return to == s::released;
  }
  return false;
}

} // namespace troupe::internal
