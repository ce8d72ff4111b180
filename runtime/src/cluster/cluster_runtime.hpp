// What every cluster behind the public facades (local_cluster, cluster)
// offers a client: a scheduler to talk to, scaling, information, shutdown.
#pragma once

#include <chrono>
#include <string>

#include <caf/actor.hpp>

#include "common/actor_host.hpp"
#include "troupe/cluster_info.hpp"

namespace troupe::internal {

class cluster_runtime : public actor_host {
public:
  virtual caf::actor scheduler() const = 0;
  virtual const std::string& address() const = 0;
  virtual void scale(int n, std::chrono::nanoseconds timeout) = 0;
  virtual cluster_info info(std::chrono::nanoseconds timeout) = 0;
  /// Stops workers and scheduler; idempotent.
  virtual void shutdown() = 0;
};

} // namespace troupe::internal
