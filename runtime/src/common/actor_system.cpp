#include "common/actor_system.hpp"

#include <algorithm>
#include <chrono>
#include <cstdlib>
#include <string>
#include <thread>

#include <caf/atom.hpp>
#include <caf/io/middleman.hpp>
#include <caf/timespan.hpp>

#include "common/logging.hpp"
#include "net/basp_guard.hpp"
#include "troupe/config.hpp"
#include "protocol/messages.hpp"

namespace troupe::internal {

void configure_actor_system(caf::actor_system_config& cfg) {
  cfg.add_message_types<caf::id_block::troupe>();
  // Actors only route messages; tasks run on the workers' own threads. So
  // few actor threads suffice: one per four cores (TROUPE_ACTOR_THREADS).
  std::size_t threads = std::clamp<std::size_t>(std::thread::hardware_concurrency() / 4, 1, 4);
  if (const char* env = std::getenv("TROUPE_ACTOR_THREADS"); env && std::atoi(env) > 0)
    threads = static_cast<std::size_t>(std::atoi(env));
  cfg.set("scheduler.max-threads", threads);
  // Work stealing, polling for about a millisecond after activity before
  // backing off: a message then costs no thread wake-up (round trips of
  // ~15 us instead of ~30 us), and an idle cluster polls every millisecond
  // (under 1% of a core). See docs/PERFORMANCE.md.
  cfg.set("scheduler.policy", caf::atom("stealing"));
  cfg.set("work-stealing.aggressive-poll-attempts", 20000);
  cfg.set("work-stealing.moderate-poll-attempts", 100);
  cfg.set("work-stealing.moderate-sleep-duration",
          caf::timespan{std::chrono::microseconds(20)});
  cfg.set("work-stealing.relaxed-sleep-duration", caf::timespan{std::chrono::milliseconds(1)});
}

void configure_network(caf::actor_system_config& cfg) {
  // CAF's middleman over a backend that drops misbehaving peers with a log
  // line (net/basp_guard.hpp).
  load_guarded_middleman(cfg);
  // Messages arrive from the middleman's I/O thread: with work stealing each
  // hop waits for a polling thread (~270 us per round trip of 4 hops here);
  // the sharing policy wakes one at once (~75 us). See docs/PERFORMANCE.md.
  // TROUPE_ACTOR_POLICY=stealing restores stealing.
  const char* policy = std::getenv("TROUPE_ACTOR_POLICY");
  bool stealing = policy && std::string{policy} == "stealing";
  cfg.set("scheduler.policy", stealing ? caf::atom("stealing") : caf::atom("sharing"));
  // A hung peer is only noticed through heartbeats (a killed one at once,
  // by its closed connection). Equal on every node, or peers drop each other.
  const auto& settings = current_config().scheduler;
  cfg.set("middleman.heartbeat-interval", caf::timespan{settings.heartbeat_interval});
  cfg.set("middleman.connection-timeout", caf::timespan{settings.worker_timeout});
  // Peers that speak another protocol version are refused at the handshake.
  cfg.set("middleman.app-identifiers", std::vector<std::string>{proto::protocol_identifier});
}

actor_runtime::actor_runtime(bool network) {
  init_logging();
  configure_actor_system(config);
  if (network)
    configure_network(config);
  system = std::make_unique<caf::actor_system>(config);
}

actor_runtime::~actor_runtime() { system.reset(); }

} // namespace troupe::internal
