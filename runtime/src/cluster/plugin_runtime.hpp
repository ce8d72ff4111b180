// A cluster whose workers a backend plugin starts: the scheduler runs in
// this process, published over TCP; the plugin (local, batch, ...) starts
// worker processes that connect to it, or asks us for in-process workers.
#pragma once

#include <map>
#include <memory>
#include <mutex>
#include <string>
#include <vector>

#include "cluster/adapt_driver.hpp"
#include "cluster/cluster_runtime.hpp"
#include "cluster/plugin_host.hpp"
#include "troupe/options.hpp"

namespace troupe::internal {

class node;
class dashboard_service;

class plugin_runtime : public cluster_runtime {
public:
  /// Loads `plugin`, starts the scheduler and the plugin's workers, and
  /// waits (up to `timeout`) until they have connected.
  /// `dashboard_port` -1 takes [dashboard] port.
  plugin_runtime(const std::string& plugin, const cluster_options& options,
                 std::chrono::nanoseconds timeout, int dashboard_port = -1);
  ~plugin_runtime() override;

  caf::actor_system& system() override;
  caf::actor scheduler() const override;
  const std::string& address() const override { return address_; }
  void scale(int n, std::chrono::nanoseconds timeout) override;
  void adapt(const adapt_options& o) override;
  cluster_info info(std::chrono::nanoseconds timeout) override;
  void shutdown() override;
  cluster_status status() override;
  std::string job_script() override;

private:
  void wait_for_workers(std::size_t n, std::chrono::nanoseconds timeout);
  /// To n workers; when fewer, `retire` (names) go first, else the newest.
  void scale_to(std::size_t n, std::vector<std::string> retire, std::chrono::nanoseconds timeout);

  std::shared_ptr<node> node_;
  caf::actor scheduler_;
  std::unique_ptr<dashboard_service> dashboard_;
  std::string address_;
  plugin_launch_spec spec_;
  mutable std::mutex mutex_;
  std::map<std::string, caf::actor> inprocess_;  // threads mode: name -> worker actor
  std::unique_ptr<plugin_backend> backend_;      // after inprocess_: stopped first
  std::unique_ptr<adapt_driver> adapt_;          // after backend_: closed first
  bool stopped_ = false;
  std::vector<worker_event> ended_;  // workers that exited or failed, in order
};

/// The worker command for a plugin: this executable with --troupe-worker
/// when main called troupe::init(); otherwise a config_error saying so.
std::vector<std::string> worker_command();

} // namespace troupe::internal
