#include "common/actor_system.hpp"

#include <algorithm>
#include <thread>

#include <caf/atom.hpp>

#include "common/logging.hpp"
#include "protocol/messages.hpp"

namespace troupe::internal {

void configure_actor_system(caf::actor_system_config& cfg) {
  cfg.add_message_types<caf::id_block::troupe>();
  cfg.set("scheduler.policy", caf::atom("sharing"));
  // Actors only route messages; tasks run on the workers' own threads.
  auto threads = std::clamp<std::size_t>(std::thread::hardware_concurrency(), 2, 4);
  cfg.set("scheduler.max-threads", threads);
}

actor_runtime::actor_runtime() {
  init_logging();
  configure_actor_system(config);
  system = std::make_unique<caf::actor_system>(config);
}

actor_runtime::~actor_runtime() {
  system.reset();
}

} // namespace troupe::internal
