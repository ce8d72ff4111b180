// A request from a non-actor thread that waits for its answer, with a timeout.
#pragma once

#include <chrono>
#include <optional>
#include <string>

#include <caf/actor_system.hpp>
#include <caf/scoped_actor.hpp>
#include <caf/sec.hpp>

#include "troupe/errors.hpp"

namespace troupe::internal {

template <class Reply, class Msg>
Reply blocking_request(caf::actor_system& sys, const caf::actor& dest,
                       std::chrono::nanoseconds timeout, Msg&& msg, const std::string& what) {
  if (!dest)
    throw connection_error("troupe: " + what + ": not connected");
  caf::scoped_actor self{sys};
  std::optional<Reply> out;
  caf::error err;
  self->request(dest, timeout, std::forward<Msg>(msg))
    .receive([&](Reply& r) { out = std::move(r); }, [&](caf::error& e) { err = std::move(e); });
  if (out)
    return std::move(*out);
  if (err == caf::sec::request_timeout)
    throw timeout_error("troupe: " + what + ": no answer within "
                        + std::to_string(std::chrono::duration<double>(timeout).count()) + " s");
  throw connection_error("troupe: " + what + ": " + sys.render(err));
}

} // namespace troupe::internal
