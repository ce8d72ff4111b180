// The worker actor: receives batches, fetches missing inputs from peers,
// hands tasks to its executor, serves its results to peers and clients.
#pragma once

#include <cstdint>
#include <chrono>
#include <string>

#include <caf/actor.hpp>
#include <caf/fwd.hpp>

namespace troupe::internal {

struct worker_config {
  std::string name;
  std::uint32_t nthreads = 1;
  std::uint64_t memory_limit = 0;
  /// Serve results to other processes over a data server on this host
  /// ("" = in-process cluster: peers fetch through the actors).
  std::string data_host;
  /// After this long the worker asks the scheduler to retire it (its
  /// results move to other workers, then it stops), as Dask's --lifetime;
  /// 0: never. Batch jobs use it to leave before their walltime.
  std::chrono::nanoseconds lifetime{0};
};

caf::actor spawn_worker(caf::actor_system& sys, caf::actor scheduler, worker_config config);

} // namespace troupe::internal
