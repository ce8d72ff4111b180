// Whatever owns the actor system a client or cluster uses: an in-process
// cluster's own system, or the process's networked node. Holding a
// shared_ptr to it keeps the system alive.
#pragma once

#include <caf/fwd.hpp>

namespace troupe::internal {

class actor_host {
public:
  virtual ~actor_host() = default;
  virtual caf::actor_system& system() = 0;
};

} // namespace troupe::internal
