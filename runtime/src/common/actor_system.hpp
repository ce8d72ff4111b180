// Creating CAF actor systems the way troupe needs them.
#pragma once

#include <memory>

#include <caf/actor_system.hpp>
#include <caf/actor_system_config.hpp>

namespace troupe::internal {

/// Registers troupe's messages and tunes CAF for low latency: the `sharing`
/// policy wakes a sleeping thread at once, where work stealing polls.
void configure_actor_system(caf::actor_system_config& cfg);

/// Adds CAF's middleman (BASP over TCP) with troupe's heartbeat and protocol
/// identifier; every node must use the same values.
void configure_network(caf::actor_system_config& cfg);

/// A config and the system built from it; the config must outlive the system.
/// With `network`, the system can publish actors and reach remote ones.
struct actor_runtime {
  explicit actor_runtime(bool network = false);
  ~actor_runtime();
  caf::actor_system_config config;
  std::unique_ptr<caf::actor_system> system;
};

} // namespace troupe::internal
