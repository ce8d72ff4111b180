// `troupe scheduler`: a scheduler published over TCP until SIGINT/SIGTERM.
#include <cstdio>
#include <cstdlib>
#include <fstream>
#include <iostream>

#include <caf/event_based_actor.hpp>
#include <caf/scoped_actor.hpp>
#include <caf/send.hpp>

#include "common/logging.hpp"
#include "dashboard/dashboard_service.hpp"
#include "net/basp_guard.hpp"
#include "net/interface_address.hpp"
#include "net/node.hpp"
#include "process/cli.hpp"
#include "process/parse_args.hpp"
#include "protocol/messages.hpp"
#include "scheduler/scheduler_actor.hpp"
#include "troupe/config.hpp"

namespace troupe::internal {

int scheduler_main(const std::vector<std::string>& args) {
  po::options_description opts{"options"};
  opts.add_options()
    ("help,h", "print this help")
    ("host", po::value<std::string>(), "address to listen on (default: [scheduler] host, 127.0.0.1)")
    ("port", po::value<int>(), "port to listen on, 0 for any free one (default: [scheduler] port, 8786)")
    ("dashboard-port", po::value<int>(), "dashboard port, 0 for any free one (default: [dashboard] port, 8787)")
    ("dashboard-host", po::value<std::string>(), "address the dashboard listens on (default: [dashboard] host, 127.0.0.1)")
    ("no-dashboard", "serve no dashboard")
    ("interface", po::value<std::string>(),
     "listen on this network interface's IPv4 address (e.g. ib0), the dashboard too")
    ("scheduler-file", po::value<std::string>(),
     "once listening, write the address to this file (one line), e.g. for batch jobs")
    ("config", po::value<std::string>(), "TOML configuration file");
  auto vm = parse_args("scheduler",
                       "[--host HOST] [--port PORT] [--dashboard-port PORT] [--no-dashboard] "
                       "[--config FILE]",
                       opts, args);
  if (!vm)
    return 0;
  // The file becomes this process's configuration, also for the parts set
  // up later (network heartbeat, limits), as if named by TROUPE_CONFIG.
  if (vm->count("config"))
    ::setenv("TROUPE_CONFIG", (*vm)["config"].as<std::string>().c_str(), 1);
  auto cfg = load_runtime_config(vm->count("config") ? (*vm)["config"].as<std::string>() : "");
  apply_config(cfg);
  std::string host = vm->count("host") ? (*vm)["host"].as<std::string>() : cfg.scheduler.host;
  if (vm->count("interface")) {
    if (vm->count("host"))
      throw usage_error("troupe scheduler: give --host or --interface, not both");
    host = interface_address("troupe scheduler", (*vm)["interface"].as<std::string>());
  }
  int port = vm->count("port") ? (*vm)["port"].as<int>() : cfg.scheduler.port;
  if (port < 0 || port > 65535)
    throw usage_error("troupe scheduler: --port must be from 0 to 65535, got "
                      + std::to_string(port));

  auto dashboard = cfg.dashboard;
  if (vm->count("dashboard-port")) {
    dashboard.port = (*vm)["dashboard-port"].as<int>();
    if (dashboard.port < 0 || dashboard.port > 65535)
      throw usage_error("troupe scheduler: --dashboard-port must be from 0 to 65535, got "
                        + std::to_string(dashboard.port));
  }
  if (vm->count("dashboard-host"))
    dashboard.host = (*vm)["dashboard-host"].as<std::string>();
  else if (vm->count("interface"))
    dashboard.host = host;
  if (vm->count("no-dashboard"))
    dashboard.enabled = false;

  install_stop_handlers();
  set_node_role("scheduler");
  auto n = node::shared();
  // The address is known only once the port is bound; the actor learns it
  // from its first message.
  auto sched = spawn_scheduler(n->system(), "tcp://" + host + ":?");
  auto bound = n->publish(sched, host, static_cast<std::uint16_t>(port));
  std::string address = "tcp://" + host + ":" + std::to_string(bound);
  caf::anon_send(sched, proto::set_address{address});
  std::unique_ptr<dashboard_service> dashboard_server;
  try {
    dashboard_server = dashboard_service::start(n->system(), sched, dashboard);
  } catch (const std::exception& e) {
    caf::anon_send_exit(sched, caf::exit_reason::user_shutdown);
    std::string why = e.what();
    if (why.rfind("troupe: ", 0) == 0)
      why = why.substr(8);
    throw usage_error("troupe scheduler: " + why);
  }
  if (vm->count("scheduler-file")) {
    // Whole or absent: whoever polls for the file never reads half a line.
    auto path = (*vm)["scheduler-file"].as<std::string>();
    auto tmp = path + ".tmp";
    std::ofstream{tmp} << address << "\n";
    if (std::rename(tmp.c_str(), path.c_str()) != 0) {
      caf::anon_send_exit(sched, caf::exit_reason::user_shutdown);
      throw usage_error("troupe scheduler: cannot write --scheduler-file " + path);
    }
  }
  // Tests and scripts read this line to learn the port.
  std::cout << "troupe scheduler at " << address << std::endl;
  if (dashboard_server)
    std::cout << "troupe dashboard at " << dashboard_server->link() << std::endl;
  spdlog::info("troupe scheduler: listening at {}", address);

  caf::scoped_actor self{n->system()};
  self->monitor(sched);
  bool running = true;
  while (running && !stop_requested()) {
    self->receive([&](caf::down_msg&) { running = false; },
                  caf::after(std::chrono::milliseconds(200)) >> [] {});
  }
  dashboard_server.reset();  // it asks the scheduler: stop it first
  if (running) {
    spdlog::info("troupe scheduler: stopping; telling workers to stop");
    // The scheduler tells each worker to stop, then quits.
    self->send(sched, proto::shutdown{});
    self->receive([](caf::down_msg&) {},
                  caf::after(std::chrono::seconds(5)) >> [] {
                    spdlog::warn("troupe scheduler: did not stop within 5 s");
                  });
  }
  std::cout << "troupe scheduler stopped" << std::endl;
  return 0;
}

} // namespace troupe::internal
