// Starts the dashboard's HTTP server beside a scheduler actor and answers
// its views by asking that scheduler (one request per view; the scheduler
// builds the answer in its own thread, so nothing is shared or locked).
#pragma once

#include <memory>
#include <string>

#include <caf/actor.hpp>
#include <caf/fwd.hpp>

#include "troupe/config.hpp"

namespace troupe::internal {

class http_server;

class dashboard_service {
public:
  /// Serves the dashboard of `scheduler` as `settings` say (nullptr when
  /// disabled), and tells the scheduler its link. A port in use is
  /// replaced by a free one, with a warning, as Dask does.
  static std::unique_ptr<dashboard_service> start(caf::actor_system& system, caf::actor scheduler,
                                                  const dashboard_settings& settings);
  ~dashboard_service();

  const std::string& link() const { return link_; }
  int port() const;

private:
  dashboard_service() = default;
  std::unique_ptr<http_server> server_;
  std::string link_;
};

/// The link template with {host} and {port} filled in.
std::string dashboard_link(const std::string& link_template, const std::string& host, int port);

} // namespace troupe::internal
