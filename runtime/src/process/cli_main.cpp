#include "process/cli.hpp"
#include "process/parse_args.hpp"

#include <atomic>
#include <csignal>
#include <exception>
#include <iostream>



namespace troupe::internal {

namespace {

std::atomic<bool> stop_flag{false};

void on_stop_signal(int) { stop_flag.store(true); }

constexpr const char* usage = R"(usage: troupe COMMAND [ARGS...]

commands:
  scheduler   run a scheduler that workers and clients connect to
  worker      run a worker connected to a scheduler
  info        print a scheduler's workers and tasks

`troupe COMMAND --help` describes each command's options.
Exit status: 0 done, 1 failed, 2 wrong arguments, 3 no scheduler reachable.
)";

} // namespace

bool stop_requested() { return stop_flag.load(); }

void install_stop_handlers() {
  std::signal(SIGINT, on_stop_signal);
  std::signal(SIGTERM, on_stop_signal);
}

int cli_main(int argc, char** argv) {
  if (argc < 2) {
    std::cerr << "troupe: missing command (scheduler, worker or info); see troupe --help\n";
    return 2;
  }
  std::string command = argv[1];
  std::vector<std::string> args(argv + 2, argv + argc);
  if (command == "-h" || command == "--help") {
    std::cout << usage;
    return 0;
  }
  if (command == "--version") {
    std::cout << "troupe " << TROUPE_VERSION_STRING << "\n";
    return 0;
  }
  try {
    if (command == "scheduler")
      return scheduler_main(args);
    if (command == "worker")
      return worker_main(args);
    if (command == "info")
      return info_main(args);
  } catch (const usage_error& e) {
    std::cerr << e.what() << "\n";
    return 2;
  } catch (const std::exception& e) {
    std::cerr << e.what() << "\n";
    return 1;
  }
  std::cerr << "troupe: unknown command '" << command
            << "' (expected scheduler, worker or info); see troupe --help\n";
  return 2;
}

} // namespace troupe::internal
