// What every cluster behind the public facades (local_cluster, cluster)
// offers a client: a scheduler to talk to, scaling, information, shutdown.
#pragma once

#include <chrono>
#include <string>

#include <caf/actor.hpp>

#include "common/actor_host.hpp"
#include "troupe/adapt.hpp"
#include "troupe/cluster.hpp"
#include "troupe/cluster_info.hpp"
#include "troupe/errors.hpp"

namespace troupe::internal {

class cluster_runtime : public actor_host {
public:
  virtual caf::actor scheduler() const = 0;
  virtual const std::string& address() const = 0;
  virtual void scale(int n, std::chrono::nanoseconds timeout) = 0;
  virtual cluster_info info(std::chrono::nanoseconds timeout) = 0;
  /// Stops workers and scheduler; idempotent.
  virtual void shutdown() = 0;
  /// The workers as whatever starts them sees them (a plugin); empty for
  /// a cluster of in-process workers only.
  virtual cluster_status status() { return {}; }
  /// Sizes the cluster to its work from now on (the scheduler decides);
  /// a later scale() or adapt() replaces it.
  virtual void adapt(const adapt_options& o) = 0;
  /// The script a new worker would run (batch plugins); config_error when
  /// the cluster has none.
  virtual std::string job_script() {
    throw config_error("troupe: this cluster starts no jobs, so it has no job script");
  }
};

} // namespace troupe::internal
