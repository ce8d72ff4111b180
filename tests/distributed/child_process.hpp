// Real processes for distributed tests: start, read their output line by
// line with a timeout, signal, and wait with a timeout. A child still
// running when its handle dies is killed, so no test leaves orphans.
#pragma once

#include <chrono>
#include <optional>
#include <string>
#include <vector>

#include <sys/types.h>

namespace troupe_test {

class child_process {
public:
  /// Starts argv[0] with the arguments; stdout and stderr are captured.
  explicit child_process(std::vector<std::string> argv,
                         std::vector<std::string> extra_env = {});
  ~child_process();
  child_process(child_process&& other) noexcept;
  child_process& operator=(child_process&&) = delete;
  child_process(const child_process&) = delete;

  pid_t pid() const { return pid_; }
  /// The next line of stdout containing `needle`; nullopt on timeout or EOF.
  std::optional<std::string> wait_for_line(const std::string& needle,
                                           std::chrono::milliseconds timeout);
  /// Everything read from stdout and stderr so far (plus what is pending).
  std::string output();
  void signal(int sig);
  /// Exit code (128 + signal when killed), or nullopt if still running.
  std::optional<int> wait(std::chrono::milliseconds timeout);
  bool running();

private:
  void drain(std::chrono::milliseconds timeout);

  pid_t pid_ = -1;
  int out_fd_ = -1;
  std::string buffer_;
  std::size_t consumed_ = 0;
  std::optional<int> status_;
};

/// Peak resident memory of a process in bytes (VmHWM), 0 if unknown.
std::uint64_t peak_rss(pid_t pid);

/// Path of the running executable.
std::string self_exe();

} // namespace troupe_test
