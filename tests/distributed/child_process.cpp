#include "child_process.hpp"

#include <algorithm>
#include <cerrno>
#include <csignal>
#include <cstring>
#include <fstream>
#include <stdexcept>

#include <fcntl.h>
#include <poll.h>
#include <sys/prctl.h>
#include <sys/wait.h>
#include <unistd.h>

namespace troupe_test {

using clock_type = std::chrono::steady_clock;

child_process::child_process(std::vector<std::string> argv, std::vector<std::string> extra_env) {
  int fds[2];
  if (::pipe2(fds, O_CLOEXEC) != 0)
    throw std::runtime_error("pipe failed");
  pid_ = ::fork();
  if (pid_ < 0)
    throw std::runtime_error("fork failed");
  if (pid_ == 0) {
    ::prctl(PR_SET_PDEATHSIG, SIGKILL);  // the test dies: so does the child
    ::dup2(fds[1], 1);
    ::dup2(fds[1], 2);
    for (auto& e : extra_env)
      ::putenv(const_cast<char*>(e.c_str()));
    std::vector<char*> args;
    for (auto& a : argv)
      args.push_back(const_cast<char*>(a.c_str()));
    args.push_back(nullptr);
    ::execv(args[0], args.data());
    ::_exit(127);
  }
  ::close(fds[1]);
  out_fd_ = fds[0];
}

child_process::child_process(child_process&& o) noexcept
  : pid_(o.pid_), out_fd_(o.out_fd_), buffer_(std::move(o.buffer_)), consumed_(o.consumed_),
    status_(o.status_) {
  o.pid_ = -1;
  o.out_fd_ = -1;
}

child_process::~child_process() {
  if (pid_ > 0 && !status_) {
    ::kill(pid_, SIGKILL);
    int st = 0;
    ::waitpid(pid_, &st, 0);
  }
  if (out_fd_ >= 0)
    ::close(out_fd_);
}

void child_process::drain(std::chrono::milliseconds timeout) {
  if (out_fd_ < 0) {
    ::poll(nullptr, 0, static_cast<int>(std::min<long>(timeout.count(), 5)));
    return;
  }
  pollfd p{out_fd_, POLLIN, 0};
  if (::poll(&p, 1, static_cast<int>(timeout.count())) <= 0)
    return;
  char buf[4096];
  ssize_t n = ::read(out_fd_, buf, sizeof buf);
  if (n > 0)
    buffer_.append(buf, static_cast<std::size_t>(n));
  else if (n == 0) {
    ::close(out_fd_);
    out_fd_ = -1;
  }
}

std::optional<std::string> child_process::wait_for_line(const std::string& needle,
                                                        std::chrono::milliseconds timeout) {
  auto deadline = clock_type::now() + timeout;
  for (;;) {
    for (;;) {
      auto nl = buffer_.find('\n', consumed_);
      if (nl == std::string::npos)
        break;
      std::string line = buffer_.substr(consumed_, nl - consumed_);
      consumed_ = nl + 1;
      if (line.find(needle) != std::string::npos)
        return line;
    }
    auto left = std::chrono::duration_cast<std::chrono::milliseconds>(deadline - clock_type::now());
    if (left.count() <= 0 || out_fd_ < 0)
      return std::nullopt;
    drain(left);
  }
}

std::string child_process::output() {
  drain(std::chrono::milliseconds(0));
  return buffer_;
}

void child_process::signal(int sig) {
  if (pid_ > 0 && !status_)
    ::kill(pid_, sig);
}

std::optional<int> child_process::wait(std::chrono::milliseconds timeout) {
  if (status_)
    return status_;
  auto deadline = clock_type::now() + timeout;
  for (;;) {
    int st = 0;
    pid_t r = ::waitpid(pid_, &st, WNOHANG);
    if (r == pid_) {
      status_ = WIFEXITED(st) ? WEXITSTATUS(st) : 128 + WTERMSIG(st);
      return status_;
    }
    if (clock_type::now() >= deadline)
      return std::nullopt;
    // Collect output meanwhile (a full pipe would block the child); this
    // poll also paces the loop.
    drain(std::chrono::milliseconds(5));
  }
}

bool child_process::running() { return !wait(std::chrono::milliseconds(0)); }

std::uint64_t peak_rss(pid_t pid) {
  std::ifstream f("/proc/" + std::to_string(pid) + "/status");
  std::string line;
  while (std::getline(f, line))
    if (line.rfind("VmHWM:", 0) == 0)
      return std::stoull(line.substr(6)) * 1024;
  return 0;
}

std::string self_exe() {
  char buf[4096];
  ssize_t n = ::readlink("/proc/self/exe", buf, sizeof buf - 1);
  return n > 0 ? std::string(buf, static_cast<std::size_t>(n)) : std::string{};
}

} // namespace troupe_test
