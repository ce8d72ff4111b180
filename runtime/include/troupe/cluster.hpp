// troupe::cluster: a cluster started by a backend plugin, as Dask's
// deployment classes (LocalCluster, SLURMCluster, KubeCluster...) behind
// one interface:
//
//   troupe::cluster cluster{"local", {{"n_workers", 4}, {"processes", true}}};
//   auto client = cluster.get_client();
//   cluster.scale(8);
//
// or from a profile in a TOML file (`[cluster.NAME]` with plugin = "...").
#pragma once

#include <chrono>
#include <iosfwd>
#include <memory>
#include <string>
#include <vector>

#include "troupe/adapt.hpp"
#include "troupe/client.hpp"
#include "troupe/cluster_info.hpp"
#include "troupe/options.hpp"

namespace troupe {

/// One worker as the cluster's plugin sees it: a process, a batch job's
/// worker, a pod. Unlike cluster_info (the scheduler's view) it includes
/// workers that have not connected yet and those that have gone.
struct cluster_worker_status {
  std::string name;
  /// "starting" (a process being started; a batch job still pending),
  /// "running", "stopping", "exited" (stopped, or ended with 0) or "failed".
  std::string state;
  int exit_code = 0;  ///< once gone: the exit status, or -signal
};

struct cluster_status {
  std::uint32_t requested = 0;  ///< workers the plugin is asked to keep
  std::vector<cluster_worker_status> workers;
  /// Workers in `state`.
  std::size_t count(const std::string& state) const;
};

namespace internal {
class cluster_runtime;
}

class cluster {
public:
  /// Loads the plugin (searched in [plugins] search_path, TROUPE_PLUGIN_PATH
  /// and the install's plugin directory), checks `options` against its
  /// schema, starts the scheduler here and the plugin's workers, and returns
  /// once they have connected (or throws after `timeout`).
  explicit cluster(const std::string& plugin, cluster_options options = {},
                   std::chrono::nanoseconds timeout = std::chrono::seconds(60));
  /// The profile `[cluster.<profile>]` of the TOML file at `path` (any
  /// profile when the file has exactly one and `profile` is empty).
  static cluster from_config(const std::string& path, const std::string& profile = "");

  ~cluster();
  cluster(cluster&&) noexcept;
  cluster& operator=(cluster&&) noexcept;
  cluster(const cluster&) = delete;
  cluster& operator=(const cluster&) = delete;

  /// Starts or retires workers until there are n; retiring ones hand their
  /// results to the others first.
  void scale(int n, std::chrono::nanoseconds timeout = std::chrono::seconds(60));
  /// From now on the scheduler sizes the cluster to its work, between
  /// o.minimum and o.maximum workers (Dask's cluster.adapt): up at once when
  /// ready and running tasks would take longer than o.target_duration, down
  /// after o.wait_count decisions in a row, retiring the least-loaded
  /// workers (their results move, nothing is computed twice). It goes on
  /// when clients leave; a later scale() or adapt() replaces it.
  void adapt(const adapt_options& o);
  client get_client();
  /// The scheduler's view: connected workers, their memory, tasks by state.
  cluster_info info() const;
  /// The plugin's view: every worker it was asked for and its state.
  cluster_status status() const;
  /// The exact script (or submit description) a new worker's batch job is
  /// submitted with, as dask-jobqueue's cluster.job_script(); config_error
  /// for a plugin that submits no jobs.
  std::string job_script() const;
  std::string scheduler_address() const;
  const std::string& plugin() const { return plugin_; }
  /// Stops the workers and the scheduler (also done by the destructor).
  void close();

  std::shared_ptr<internal::cluster_runtime> runtime_handle() const { return runtime_; }

private:
  std::string plugin_;
  std::shared_ptr<internal::cluster_runtime> runtime_;
};

/// "cluster(local, scheduler=tcp://..., workers=4, threads=4, memory=...)".
std::ostream& operator<<(std::ostream& out, const cluster& c);

} // namespace troupe
