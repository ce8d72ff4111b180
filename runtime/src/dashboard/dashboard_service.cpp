#include "dashboard/dashboard_service.hpp"

#include <caf/actor_system.hpp>
#include <caf/scoped_actor.hpp>
#include <caf/send.hpp>

#include <boost/asio/error.hpp>
#include <boost/system/system_error.hpp>

#include "common/logging.hpp"
#include "dashboard/http_server.hpp"
#include "protocol/messages.hpp"
#include "troupe/errors.hpp"
#include "scheduler/dashboard_views.hpp"

namespace troupe::internal {

namespace {

struct port_in_use {};

// A busy scheduler answers in microseconds; this only bounds a stuck one.
constexpr auto view_timeout = std::chrono::seconds(2);

std::string replace_all(std::string s, std::string_view from, const std::string& to) {
  for (auto at = s.find(from); at != std::string::npos; at = s.find(from, at + to.size()))
    s.replace(at, from.size(), to);
  return s;
}

} // namespace

std::string dashboard_link(const std::string& link_template, const std::string& host, int port) {
  return replace_all(replace_all(link_template, "{host}", host), "{port}", std::to_string(port));
}

std::unique_ptr<dashboard_service> dashboard_service::start(caf::actor_system& system,
                                                            caf::actor scheduler,
                                                            const dashboard_settings& settings) {
  if (!settings.enabled)
    return nullptr;
  http_server_options options;
  options.host = settings.host;
  options.port = settings.port;
  options.interval = settings.interval;
  auto view = [&system, scheduler](const std::string& path,
                                   std::uint64_t since) -> std::optional<http_answer> {
    caf::scoped_actor self{system};
    std::optional<http_answer> answer;
    self->request(scheduler, view_timeout, proto::dashboard_query{path, since})
      .receive(
        [&](proto::dashboard_reply& r) {
          answer = http_answer{r.status, std::move(r.content_type), std::move(r.body), r.cursor};
        },
        [&](caf::error&) {});
    return answer;
  };
  std::unique_ptr<dashboard_service> service{new dashboard_service};
  auto serve = [&] {
    try {
      service->server_ = std::make_unique<http_server>(options, view, is_dashboard_view);
    } catch (const boost::system::system_error& e) {  // Asio's, not std::system_error
      if (e.code() == boost::asio::error::address_in_use && options.port != 0)
        throw port_in_use{};
      throw config_error("troupe: [dashboard] cannot listen on " + options.host + ":"
                         + std::to_string(options.port) + ": " + e.what());
    }
  };
  try {
    serve();
  } catch (const port_in_use&) {
    spdlog::warn("troupe: dashboard port {} is in use; serving the dashboard on a free port "
                 "instead",
                 options.port);
    options.port = 0;
    serve();
  }
  std::string host = settings.host == "0.0.0.0" || settings.host == "::" ? "127.0.0.1"
                                                                          : settings.host;
  service->link_ = dashboard_link(settings.link, host, service->port());
  caf::anon_send(scheduler, proto::set_dashboard{service->link_});
  spdlog::info("troupe: dashboard at {}", service->link_);
  return service;
}

dashboard_service::~dashboard_service() = default;

int dashboard_service::port() const { return server_->port(); }

} // namespace troupe::internal
