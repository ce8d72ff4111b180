#include "cluster/adapt_driver.hpp"

#include <caf/actor_system.hpp>
#include <caf/event_based_actor.hpp>
#include <caf/scoped_actor.hpp>
#include <caf/send.hpp>

#include "common/logging.hpp"
#include "protocol/messages.hpp"
#include "troupe/errors.hpp"

namespace troupe::internal {

namespace {

void check(bool ok, const std::string& what) {
  if (!ok)
    throw config_error("troupe: adapt: " + what);
}

} // namespace

adapt_driver::adapt_driver(caf::actor_system& sys, apply_fn apply)
  : sys_(sys), apply_(std::move(apply)) {}

adapt_driver::~adapt_driver() { close(); }

void adapt_driver::start(const caf::actor& scheduler, const adapt_options& o) {
  check(o.minimum >= 0, "minimum must be >= 0, got " + std::to_string(o.minimum));
  check(o.maximum >= 1, "maximum must be >= 1, got " + std::to_string(o.maximum));
  check(o.maximum >= o.minimum, "maximum (" + std::to_string(o.maximum)
                                  + ") must be at least minimum (" + std::to_string(o.minimum)
                                  + ")");
  check(o.target_duration.count() > 0, "target_duration must be positive");
  check(o.interval.count() > 0, "interval must be positive");
  check(o.wait_count >= 1, "wait_count must be >= 1, got " + std::to_string(o.wait_count));
  if (!scheduler)
    throw connection_error("troupe: adapt: the cluster is closed");
  if (!scaler_) {
    auto apply = apply_;
    scaler_ = sys_.spawn<caf::detached>([apply](caf::event_based_actor*) -> caf::behavior {
      return {[apply](const proto::adapt_scale& s) {
        try {
          apply(s.n, s.retire);
        } catch (const std::exception& e) {
          spdlog::warn("troupe cluster: adapt: scaling to {} workers: {}", s.n, e.what());
        }
      }};
    });
  }
  proto::adapt_start a;
  a.minimum = static_cast<std::uint32_t>(o.minimum);
  a.maximum = static_cast<std::uint32_t>(o.maximum);
  a.target_duration_ns = static_cast<std::uint64_t>(o.target_duration.count());
  a.interval_ns = static_cast<std::uint64_t>(o.interval.count());
  a.wait_count = static_cast<std::uint32_t>(o.wait_count);
  a.scaler = scaler_;
  caf::anon_send(scheduler, std::move(a));
  active_ = true;
}

void adapt_driver::stop(const caf::actor& scheduler) {
  if (!active_ || !scheduler)
    return;
  proto::adapt_start a;
  a.stop = 1;
  caf::anon_send(scheduler, std::move(a));
  active_ = false;
}

void adapt_driver::close() {
  active_ = false;
  auto scaler = std::move(scaler_);
  if (!scaler)
    return;
  caf::scoped_actor self{sys_};
  self->monitor(scaler);
  self->send_exit(scaler, caf::exit_reason::user_shutdown);
  // A scale being applied returns once its scheduler is gone or it is done.
  self->receive([](caf::down_msg&) {},
                caf::after(std::chrono::minutes(2)) >> [] {
                  spdlog::warn("troupe cluster: adapt: a scale still runs after 2 min");
                });
}

} // namespace troupe::internal
