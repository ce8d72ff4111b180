// The client actor receives what the scheduler pushes (results, failures,
// the worker directory) and hands it to the client_core.
#pragma once

#include <memory>

#include <caf/actor.hpp>
#include <caf/atom.hpp>
#include <caf/fwd.hpp>

namespace troupe::internal {

class client_core;

using flush_atom = caf::atom_constant<caf::atom("flush")>;

caf::actor spawn_client_actor(caf::actor_system& sys, std::shared_ptr<client_core> core,
                              caf::actor scheduler);

} // namespace troupe::internal
