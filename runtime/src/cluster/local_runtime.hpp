// The in-process cluster: an actor system with a scheduler and worker actors.
#pragma once

#include <chrono>
#include <memory>
#include <mutex>
#include <string>
#include <vector>

#include <caf/actor.hpp>

#include "cluster/adapt_driver.hpp"
#include "cluster/cluster_runtime.hpp"
#include "common/actor_system.hpp"
#include "dashboard/dashboard_service.hpp"
#include "troupe/cluster_info.hpp"
#include "troupe/local_cluster.hpp"

namespace troupe::internal::proto {
struct cluster_snapshot;
}

namespace troupe::internal {

// Members are destroyed in reverse order: actor handles before the actor
// system (rt_), which must outlive every handle.
class local_runtime : public cluster_runtime {
public:
  explicit local_runtime(local_cluster_options options);
  ~local_runtime() override;

  caf::actor_system& system() override { return *rt_.system; }
  caf::actor scheduler() const override;
  const std::string& address() const override { return address_; }
  const local_cluster_options& options() const { return options_; }

  void scale(int n, std::chrono::nanoseconds timeout) override;
  void adapt(const adapt_options& o) override;
  cluster_info info(std::chrono::nanoseconds timeout) override;
  /// Stops workers and scheduler; idempotent.
  void shutdown() override;

private:
  void spawn_worker_locked();
  /// To n workers; when fewer, `retire` (names) go first, else the newest.
  void scale_to(std::size_t n, const std::vector<std::string>& retire,
                std::chrono::nanoseconds timeout);

  actor_runtime rt_;
  local_cluster_options options_;
  std::string address_;
  mutable std::mutex mutex_;
  caf::actor scheduler_;
  std::unique_ptr<dashboard_service> dashboard_;
  std::vector<std::pair<std::string, caf::actor>> workers_;
  int next_worker_ = 0;
  bool stopped_ = false;
  std::unique_ptr<adapt_driver> adapt_;  // last: closed before the rest goes
};

/// The scheduler's snapshot as users see it.
cluster_info snapshot_to_info(const proto::cluster_snapshot& s, const std::string& address);
} // namespace troupe::internal
