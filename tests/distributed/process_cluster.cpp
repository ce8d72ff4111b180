#include "process_cluster.hpp"

#include <stdexcept>

#include "troupe/init.hpp"

namespace troupe_test {

process_cluster::process_cluster(int n_workers, int threads, std::vector<std::string> extra,
                                 std::vector<std::string> environment)
  : nthreads(threads), env(std::move(environment)) {
  scheduler = std::make_unique<child_process>(
    std::vector<std::string>{TROUPE_CLI_PATH, "scheduler", "--port", "0"}, env);
  auto line = scheduler->wait_for_line("troupe scheduler at ", std::chrono::seconds(20));
  if (!line)
    throw std::runtime_error("the scheduler did not start: " + scheduler->output());
  address = line->substr(line->find("tcp://"));
  for (int i = 0; i < n_workers; ++i)
    add_worker(extra);
}

child_process& process_cluster::add_worker(const std::vector<std::string>& extra) {
  std::vector<std::string> argv{self_exe(), troupe::worker_flag, address, "--nthreads",
                                std::to_string(nthreads), "--name",
                                "w" + std::to_string(next++)};
  argv.insert(argv.end(), extra.begin(), extra.end());
  workers.push_back(std::make_unique<child_process>(argv, env));
  return *workers.back();
}

} // namespace troupe_test

namespace troupe_test {

child_process& process_cluster::add_cli_worker(const std::vector<std::string>& extra) {
  std::vector<std::string> argv{TROUPE_CLI_PATH, "worker", address, "--name",
                                "cli" + std::to_string(next++)};
  argv.insert(argv.end(), extra.begin(), extra.end());
  workers.push_back(std::make_unique<child_process>(argv, env));
  return *workers.back();
}

} // namespace troupe_test
