// local_cluster: a scheduler and workers in this process (workers are actors
// with their own threads), as Dask's LocalCluster(processes=False).
#pragma once

#include <chrono>
#include <cstdint>
#include <iosfwd>
#include <memory>
#include <string>

#include "troupe/adapt.hpp"
#include "troupe/client.hpp"
#include "troupe/cluster_info.hpp"

namespace troupe {

namespace internal {
class cluster_runtime;
}

struct local_cluster_options {
  int n_workers = 0;           ///< 0: one per core
  int threads_per_worker = 1;  ///< threads that run tasks in each worker
  std::uint64_t memory_limit = 0;  ///< bytes per worker; 0: machine memory x threads / cores
  std::string name = "local";
  /// Workers as processes started by the `local` plugin (Dask's
  /// LocalCluster(processes=True)); main must begin with troupe::init().
  bool processes = false;
  /// The dashboard's port (Dask's dashboard_address): -1 takes [dashboard]
  /// port (8787), 0 any free port. A port in use becomes a free one.
  int dashboard_port = -1;
};

class local_cluster {
public:
  explicit local_cluster(local_cluster_options options = {});
  ~local_cluster();
  local_cluster(const local_cluster&) = delete;
  local_cluster& operator=(const local_cluster&) = delete;

  /// Adds or retires workers until there are n. Retired workers hand their
  /// results to the others first, so nothing is recomputed.
  void scale(int n, std::chrono::nanoseconds timeout = std::chrono::seconds(60));
  /// From now on the scheduler sizes the cluster to its work, between
  /// o.minimum and o.maximum workers (Dask's cluster.adapt): up at once when
  /// ready and running tasks would take longer than o.target_duration, down
  /// after o.wait_count decisions in a row, retiring the least-loaded
  /// workers (their results move, nothing is computed twice). It goes on
  /// when clients leave; a later scale() or adapt() replaces it.
  void adapt(const adapt_options& o);

  /// A new client connected to this cluster.
  client get_client();

  /// Workers, threads, memory and tasks, as the scheduler sees them.
  cluster_info info() const;
  std::string scheduler_address() const;
  const local_cluster_options& options() const;

  internal::cluster_runtime& runtime() const;
  std::shared_ptr<internal::cluster_runtime> runtime_handle() const;

private:
  local_cluster_options options_;
  std::shared_ptr<internal::cluster_runtime> runtime_;
};

/// "local_cluster(scheduler=..., workers=2, threads=2, memory=...)" and a
/// line per worker.
std::ostream& operator<<(std::ostream& out, const local_cluster& cluster);

} // namespace troupe
