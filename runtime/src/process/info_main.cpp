// `troupe info ADDRESS`: the scheduler's workers and tasks, as a table.
#include <iomanip>
#include <iostream>
#include <optional>

#include "net/node.hpp"
#include "process/cli.hpp"
#include "process/parse_args.hpp"
#include "troupe/client.hpp"
#include "troupe/config.hpp"
#include "troupe/errors.hpp"

namespace troupe::internal {

int info_main(const std::vector<std::string>& args) {
  po::options_description opts{"options"};
  opts.add_options()
    ("help,h", "print this help")
    ("timeout", po::value<std::string>()->default_value("10 s"), "how long to try to connect");
  po::options_description hidden;
  hidden.add_options()("address", po::value<std::string>(), "scheduler address");
  po::positional_options_description pos;
  pos.add("address", 1);
  auto vm = parse_args("info", "tcp://HOST:PORT [--timeout DURATION]", opts, args, &pos, &hidden);
  if (!vm)
    return 0;
  if (!vm->count("address"))
    throw usage_error("troupe info: missing the scheduler address (tcp://host:port)");
  auto address = (*vm)["address"].as<std::string>();
  check_address("info", address);
  auto timeout = std::chrono::duration_cast<std::chrono::nanoseconds>(
    parse_duration((*vm)["timeout"].as<std::string>()));
  std::optional<troupe::client> connected;
  try {
    connected.emplace(address, timeout);
  } catch (const connection_error& e) {
    std::cerr << e.what() << "\n";
    return 3;  // as `troupe worker`: no scheduler there
  }
  auto& c = *connected;
  auto info = c.scheduler_info(timeout);
  std::cout << "scheduler  " << info.scheduler_address << "\n"
            << "workers    " << info.workers.size() << "\n"
            << "threads    " << info.total_threads() << "\n"
            << "memory     " << std::fixed << std::setprecision(2)
            << info.total_memory_limit() / (1024.0 * 1024 * 1024) << " GiB\n"
            << "tasks      waiting " << info.waiting << ", ready " << info.ready
            << ", processing " << info.processing << ", memory " << info.memory << ", erred "
            << info.erred << "\n\n";
  std::cout << std::left << std::setw(6) << "id" << std::setw(28) << "name" << std::setw(9)
            << "threads" << std::setw(14) << "memory limit" << std::setw(14) << "managed"
            << std::setw(8) << "keys" << std::setw(12) << "processing" << "data address\n";
  for (auto& w : info.workers)
    std::cout << std::left << std::setw(6) << w.id << std::setw(28) << w.name << std::setw(9)
              << w.nthreads << std::setw(14) << w.memory_limit << std::setw(14)
              << w.managed_bytes << std::setw(8) << w.n_keys << std::setw(12) << w.processing
              << (w.data_address.empty() ? "-" : w.data_address) << "\n";
  c.close();
  return 0;
}

} // namespace troupe::internal
