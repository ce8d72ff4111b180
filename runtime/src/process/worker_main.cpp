// `troupe worker ADDRESS`: a worker process. It connects to the scheduler,
// serves until told to stop, and when the scheduler vanishes keeps trying to
// reconnect for --reconnect-timeout before exiting (no orphan workers).
#include <cstdlib>
#include <iostream>
#include <thread>
#include <random>
#include <unistd.h>

#include <caf/scoped_actor.hpp>
#include <caf/send.hpp>

#include "common/logging.hpp"
#include "net/basp_guard.hpp"
#include "net/interface_address.hpp"
#include "net/node.hpp"
#include "net/socket.hpp"
#include "process/cli.hpp"
#include "process/parse_args.hpp"
#include "protocol/messages.hpp"
#include "task/task_library.hpp"
#include "troupe/config.hpp"
#include "troupe/errors.hpp"
#include "worker/worker_actor.hpp"

namespace troupe::internal {

namespace {

std::string default_name() {
  char host[256] = {0};
  ::gethostname(host, sizeof host - 1);
  return std::string{host} + "-" + std::to_string(::getpid());
}

// Which address peers reach this worker's data server at: loopback when
// the scheduler is on loopback, else this machine's name.
std::string data_host_for(const std::string& scheduler_host) {
  if (scheduler_host == "127.0.0.1" || scheduler_host == "localhost")
    return "127.0.0.1";
  char host[256] = {0};
  ::gethostname(host, sizeof host - 1);
  return host;
}

enum class ended { stopped, lost, interrupted };

// Runs one worker actor until it stops; says why.
ended serve(node& n, const caf::actor& scheduler, const worker_config& cfg) {
  auto w = spawn_worker(n.system(), scheduler, cfg);
  caf::scoped_actor self{n.system()};
  self->monitor(w);
  caf::error reason;
  bool down = false;
  while (!down) {
    if (stop_requested()) {
      caf::anon_send(w, proto::shutdown{});
      self->receive([&](caf::down_msg&) {},
                    caf::after(std::chrono::seconds(10)) >> [] {});
      return ended::interrupted;
    }
    self->receive(
      [&](caf::down_msg& m) {
        down = true;
        reason = m.reason;
      },
      caf::after(std::chrono::milliseconds(200)) >> [] {});
  }
  return reason == caf::exit_reason::user_shutdown ? ended::stopped : ended::lost;
}

} // namespace

int worker_main(const std::vector<std::string>& args) {
  po::options_description opts{"options"};
  opts.add_options()
    ("help,h", "print this help")
    ("nthreads", po::value<int>(), "threads that run tasks (default: [worker] nthreads, 1)")
    ("memory-limit", po::value<std::string>(), "bytes, e.g. \"4 GiB\" (default: auto)")
    ("name", po::value<std::string>(), "worker name (default: HOST-PID)")
    ("load", po::value<std::vector<std::string>>()->composing(),
     "task library (.so) to load; repeatable")
    ("lifetime", po::value<std::string>(),
     "retire gracefully after this long, e.g. \"55 min\" (results move to other workers)")
    ("lifetime-stagger", po::value<std::string>(),
     "retire up to this much sooner, at random, so workers do not all leave at once")
    ("interface", po::value<std::string>(),
     "network interface (e.g. ib0) whose IPv4 address other workers fetch results from")
    ("reconnect-timeout", po::value<std::string>(),
     "how long to keep trying a lost scheduler, e.g. \"30 s\" (default: [worker] reconnect_timeout)")
    ("config", po::value<std::string>(), "TOML configuration file");
  po::options_description hidden;
  hidden.add_options()("address", po::value<std::string>(), "scheduler address");
  po::positional_options_description pos;
  pos.add("address", 1);
  auto vm = parse_args("worker", "tcp://HOST:PORT [options]", opts, args, &pos, &hidden);
  if (!vm)
    return 0;
  if (!vm->count("address"))
    throw usage_error("troupe worker: missing the scheduler address (tcp://host:port)");
  auto address = (*vm)["address"].as<std::string>();
  check_address("worker", address);
  auto [sched_host, sched_port] = net::split_address(address);

  // The file becomes this process's configuration, also for the parts set
  // up later (network heartbeat, limits), as if named by TROUPE_CONFIG.
  if (vm->count("config"))
    ::setenv("TROUPE_CONFIG", (*vm)["config"].as<std::string>().c_str(), 1);
  auto cfg = load_runtime_config(vm->count("config") ? (*vm)["config"].as<std::string>() : "");
  apply_config(cfg);
  worker_config wc;
  int nthreads = vm->count("nthreads") ? (*vm)["nthreads"].as<int>() : cfg.worker.nthreads;
  if (nthreads < 1)
    throw usage_error("troupe worker: --nthreads must be at least 1, got "
                      + std::to_string(nthreads));
  wc.nthreads = static_cast<std::uint32_t>(nthreads);
  wc.memory_limit = vm->count("memory-limit") ? parse_bytes((*vm)["memory-limit"].as<std::string>())
                                              : cfg.worker.memory_limit;
  wc.name = vm->count("name") ? (*vm)["name"].as<std::string>()
                              : (cfg.worker.name.empty() ? default_name() : cfg.worker.name);
  wc.data_host = vm->count("interface")
                   ? interface_address("troupe worker", (*vm)["interface"].as<std::string>())
                   : data_host_for(sched_host);
  if (vm->count("lifetime")) {
    auto lifetime = std::chrono::duration_cast<std::chrono::nanoseconds>(
      parse_duration((*vm)["lifetime"].as<std::string>()));
    auto stagger = vm->count("lifetime-stagger")
                     ? std::chrono::duration_cast<std::chrono::nanoseconds>(
                         parse_duration((*vm)["lifetime-stagger"].as<std::string>()))
                     : std::chrono::nanoseconds{0};
    if (lifetime.count() <= 0)
      throw usage_error("troupe worker: --lifetime must be positive, got "
                        + (*vm)["lifetime"].as<std::string>());
    if (stagger.count() < 0 || stagger >= lifetime)
      throw usage_error("troupe worker: --lifetime-stagger must be at least 0 and less than "
                        "--lifetime, got " + (*vm)["lifetime-stagger"].as<std::string>());
    // Each worker its own moment in [lifetime - stagger, lifetime].
    std::random_device seed;
    std::uniform_int_distribution<std::int64_t> pick{0, stagger.count()};
    wc.lifetime = lifetime - std::chrono::nanoseconds{pick(seed)};
  }
  auto reconnect = vm->count("reconnect-timeout")
                     ? std::chrono::duration_cast<std::chrono::nanoseconds>(
                         parse_duration((*vm)["reconnect-timeout"].as<std::string>()))
                     : std::chrono::nanoseconds(cfg.worker.reconnect_timeout);
  std::vector<std::string> libs = cfg.worker.load;
  if (vm->count("load"))
    for (auto& l : (*vm)["load"].as<std::vector<std::string>>())
      libs.push_back(l);
  std::vector<std::unique_ptr<task_library>> loaded;
  for (auto& path : libs) {
    loaded.push_back(std::make_unique<task_library>(path));
    spdlog::info("troupe worker {}: loaded {} tasks from {}", wc.name, loaded.back()->size(), path);
  }
  check_task_registry();

  install_stop_handlers();
  set_node_role("worker " + wc.name);
  auto n = node::shared();
  auto connect_timeout = std::chrono::nanoseconds(cfg.client.connect_timeout);
  for (bool first = true;; first = false) {
    caf::actor sched;
    try {
      sched = n->connect(address, first ? connect_timeout : reconnect, "worker " + wc.name,
                         [] { return stop_requested(); });
    } catch (const connection_error& e) {
      if (stop_requested())
        return 0;
      std::cerr << e.what() << (first ? "" : "; exiting") << "\n";
      return 3;
    }
    switch (serve(*n, sched, wc)) {
      case ended::stopped:
        spdlog::info("troupe worker {}: stopped by the scheduler", wc.name);
        return 0;
      case ended::interrupted:
        return 0;
      case ended::lost:
        spdlog::warn("troupe worker {}: lost the scheduler at {}; reconnecting for up to {} s",
                     wc.name, address, std::chrono::duration<double>(reconnect).count());
        break;
    }
  }
}

} // namespace troupe::internal
