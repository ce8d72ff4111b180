// This process as a node of a troupe cluster over TCP: one actor system with
// CAF's middleman (BASP), shared by every networked client, scheduler and
// worker in the process.
#pragma once

#include <chrono>
#include <cstdint>
#include <functional>
#include <memory>
#include <string>

#include <caf/actor.hpp>

#include "common/actor_host.hpp"
#include "common/actor_system.hpp"

namespace troupe::internal {

class node : public actor_host {
public:
  /// The process's node, created on first use, destroyed with its last user.
  static std::shared_ptr<node> shared();

  node();
  ~node() override;
  caf::actor_system& system() override { return *rt_.system; }

  /// Makes `a` reachable at tcp://host:port (port 0: any free one); returns
  /// the port. Throws connection_error when the port cannot be opened.
  std::uint16_t publish(const caf::actor& a, const std::string& host, std::uint16_t port);

  /// The actor published at `address` (tcp://host:port), retrying with
  /// backoff until `timeout`. Throws config_error for a malformed address,
  /// connection_error when nothing answers in time.
  /// `give_up` is asked between attempts (a worker told to stop).
  caf::actor connect(const std::string& address, std::chrono::nanoseconds timeout,
                     const std::string& who, const std::function<bool()>& give_up = {});

private:
  actor_runtime rt_{true};
};

} // namespace troupe::internal
