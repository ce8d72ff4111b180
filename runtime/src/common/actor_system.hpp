// Creating CAF actor systems the way troupe needs them.
#pragma once

#include <memory>

#include <caf/actor_system.hpp>
#include <caf/actor_system_config.hpp>

namespace troupe::internal {

/// Registers troupe's messages and tunes CAF for low latency: the `sharing`
/// policy wakes a sleeping thread at once, where work stealing polls.
void configure_actor_system(caf::actor_system_config& cfg);

/// A config and the system built from it; the config must outlive the system.
struct actor_runtime {
  actor_runtime();
  ~actor_runtime();
  caf::actor_system_config config;
  std::unique_ptr<caf::actor_system> system;
};

} // namespace troupe::internal
