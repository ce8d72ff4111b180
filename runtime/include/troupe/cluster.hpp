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

#include "troupe/client.hpp"
#include "troupe/cluster_info.hpp"
#include "troupe/options.hpp"

namespace troupe {

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
  client get_client();
  cluster_info info() const;
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
