// The cluster owner's half of adapt(): the scheduler decides (see
// scheduler/adaptive.hpp) and sends adapt_scale to a scaler actor here,
// which applies it with the runtime's own blocking scale call. The actor is
// detached (a thread of its own), so blocking there holds no actor thread.
#pragma once

#include <cstdint>
#include <functional>
#include <string>
#include <vector>

#include <caf/actor.hpp>
#include <caf/fwd.hpp>

#include "troupe/adapt.hpp"

namespace troupe::internal {

class adapt_driver {
public:
  /// apply(n, retire): have n workers; when fewer, retire these names first.
  using apply_fn = std::function<void(std::uint32_t n, const std::vector<std::string>& retire)>;

  adapt_driver(caf::actor_system& sys, apply_fn apply);
  /// close() if not done.
  ~adapt_driver();
  adapt_driver(const adapt_driver&) = delete;
  adapt_driver& operator=(const adapt_driver&) = delete;

  /// Checks the options (config_error naming the field) and tells the
  /// scheduler to adapt from now on, replacing an earlier adapt().
  void start(const caf::actor& scheduler, const adapt_options& o);
  /// Tells the scheduler to stop adapting (a manual scale: the last call
  /// wins). Nothing when not adapting.
  void stop(const caf::actor& scheduler);
  /// Stops the scaler and waits (bounded) until a decision being applied
  /// has returned; before the runtime it calls goes away.
  void close();

private:
  caf::actor_system& sys_;
  apply_fn apply_;
  caf::actor scaler_;
  bool active_ = false;
};

} // namespace troupe::internal
