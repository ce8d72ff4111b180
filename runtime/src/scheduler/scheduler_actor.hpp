// The scheduler actor: a thin CAF shell around scheduler_state. Each message
// updates the state, then the outbox is sent, so results and new work go out
// in as few messages as possible.
#pragma once

#include <string>

#include <caf/actor.hpp>
#include <caf/fwd.hpp>

namespace troupe::internal {

caf::actor spawn_scheduler(caf::actor_system& sys, std::string address);

} // namespace troupe::internal
