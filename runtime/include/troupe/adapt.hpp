// Adaptive scaling, as Dask's cluster.adapt(minimum=, maximum=, ...): the
// scheduler sizes the cluster to the work queued and the memory held.
#pragma once

#include <chrono>

namespace troupe {

struct adapt_options {
  int minimum = 0;
  int maximum = 1;  ///< required in practice: the most workers to ask for
  /// Enough workers to finish the ready and running tasks in this long
  /// (each task prefix's measured average duration; 0.5 s before one ran).
  std::chrono::nanoseconds target_duration = std::chrono::seconds(5);
  /// How often the scheduler decides.
  std::chrono::nanoseconds interval = std::chrono::seconds(1);
  /// Scale down only after this many decisions in a row agree; up at once.
  int wait_count = 3;
};

} // namespace troupe
