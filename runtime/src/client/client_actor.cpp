#include "client/client_actor.hpp"

#include <caf/actor_system.hpp>
#include <caf/event_based_actor.hpp>
#include <caf/stateful_actor.hpp>

#include "client/client_core.hpp"
#include "common/logging.hpp"
#include "protocol/messages.hpp"
#include "protocol/validate.hpp"

namespace troupe::internal {

namespace {

struct client_actor_state {
  std::shared_ptr<client_core> core;
  static inline const char* name = "troupe.client";
};

using client_actor = caf::stateful_actor<client_actor_state>;

caf::behavior client_behavior(client_actor* self, std::shared_ptr<client_core> core,
                              caf::actor scheduler) {
  self->state.core = std::move(core);
  self->monitor(scheduler);
  self->set_down_handler([self](caf::down_msg&) {
    self->state.core->on_disconnect("the scheduler stopped");
    self->state.core.reset();
    self->quit();
  });
  return {
    [self](const proto::key_updates& u) {
      if (auto why = proto::check(u); !why.empty())
        spdlog::error("troupe client: dropped results from the scheduler: {}", why);
      else
        self->state.core->apply(u);
    },
    [self](const proto::worker_directory& d) {
      if (auto why = proto::check(d); !why.empty())
        spdlog::error("troupe client: dropped a worker directory: {}", why);
      else
        self->state.core->set_directory(d);
    },
    [self](flush_atom) { self->state.core->flush_releases(); },
  };
}

} // namespace

caf::actor spawn_client_actor(caf::actor_system& sys, std::shared_ptr<client_core> core,
                              caf::actor scheduler) {
  return sys.spawn(client_behavior, std::move(core), std::move(scheduler));
}

} // namespace troupe::internal
