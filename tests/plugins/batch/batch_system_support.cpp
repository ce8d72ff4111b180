#include "batch_system_support.hpp"

#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <iterator>
#include <thread>

#include <unistd.h>

#include <troupe/sdk/interfaces.hpp>

namespace batch_test {

std::string env(const char* name) {
  const char* v = std::getenv(name);
  return v ? v : "";
}

std::string slurm_dir() { return env("TROUPE_SLURM_DIR"); }
std::string sge_dir() { return env("TROUPE_SGE_DIR"); }

std::vector<std::string> lines_of(const std::string& command) {
  std::vector<std::string> out;
  FILE* p = ::popen((command + " 2>&1").c_str(), "r");
  if (!p)
    return {"<popen failed: " + command + ">"};
  char line[1024];
  while (std::fgets(line, sizeof line, p)) {
    std::string s = line;
    while (!s.empty() && (s.back() == '\n' || s.back() == ' '))
      s.pop_back();
    if (!s.empty())
      out.push_back(s);
  }
  ::pclose(p);
  return out;
}

std::vector<std::string> slurm_queue() { return lines_of("squeue --noheader --format=%i"); }
std::vector<std::string> sge_queue() { return lines_of("qstat"); }

std::vector<int> processes_with(const std::string& part) {
  std::vector<int> pids;
  std::error_code ec;
  for (auto& entry : std::filesystem::directory_iterator("/proc", ec)) {
    auto name = entry.path().filename().string();
    if (name.find_first_not_of("0123456789") != std::string::npos)
      continue;
    std::ifstream in{entry.path() / "cmdline", std::ios::binary};
    std::string cmd{std::istreambuf_iterator<char>(in), {}};
    if (cmd.find(part) != std::string::npos)
      pids.push_back(std::stoi(name));
  }
  return pids;
}

std::string unique_job_name(const std::string& base) {
  return base + "-" + std::to_string(::getpid());
}

std::pair<std::string, std::string> outside_interface() {
  for (auto& [name, address] : troupe::sdk::ipv4_interfaces())
    if (address.rfind("127.", 0) != 0)
      return {name, address};
  return {"lo", "127.0.0.1"};
}

bool wait_until(const std::function<bool()>& done, std::chrono::milliseconds limit) {
  auto deadline = std::chrono::steady_clock::now() + limit;
  while (!done()) {
    if (std::chrono::steady_clock::now() > deadline)
      return false;
    std::this_thread::sleep_for(std::chrono::milliseconds(20));
  }
  return true;
}

double since(std::chrono::steady_clock::time_point t0) {
  return std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
}

}  // namespace batch_test
