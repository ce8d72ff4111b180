// Adaptive scaling (Dask's cluster.adapt), decided inside the scheduler so
// that it goes on when clients leave. Every `interval` the controller looks
// at the work queued and the memory held and asks the cluster's owner for a
// number of workers: more at once, fewer only after `wait_count` decisions
// in a row agree, retiring the least-loaded workers (their results move).
#pragma once

#include <chrono>
#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "scheduler/scheduler_state.hpp"

namespace troupe::internal {

struct adapt_policy {
  std::uint32_t minimum = 0;
  std::uint32_t maximum = 0;
  /// Enough workers to finish the queued work in this long.
  double target_duration_s = 5;
  /// Scale down only after this many consecutive decisions to.
  std::uint32_t wait_count = 3;
  /// Managed memory above this fraction of the workers' limits asks for
  /// more workers in proportion.
  double memory_fraction = 0.6;
};

/// Workers the queued work and the memory held call for, within the
/// policy's bounds: the estimated seconds of ready and running tasks (each
/// function's moving average) over target_duration, and at least enough
/// workers to keep managed memory under memory_fraction of the limits.
std::uint32_t adapt_target(const scheduler_state& s, const adapt_policy& p);

/// A request to the cluster's owner: have `n` workers; when scaling down,
/// retire these (by name) first.
struct adapt_decision {
  std::uint32_t n = 0;
  std::vector<std::string> retire;
};

class adapt_controller {
public:
  /// `current`: the workers there are when adapting starts.
  adapt_controller(adapt_policy p, std::uint32_t current);
  /// One look; a decision when the owner should act.
  std::optional<adapt_decision> decide(const scheduler_state& s);
  const adapt_policy& policy() const { return policy_; }
  std::uint32_t target() const { return target_; }

private:
  adapt_policy policy_;
  std::uint32_t target_;     // what the owner was last asked for
  std::uint32_t down_votes_ = 0;
};

} // namespace troupe::internal
