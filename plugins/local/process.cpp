#include "process.hpp"

#include <cerrno>
#include <csignal>
#include <cstring>

#include <fcntl.h>
#include <sys/prctl.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>

#include <troupe/sdk/plugin.hpp>

extern char** environ;

namespace troupe::local_plugin {

namespace {

[[noreturn]] void system_error(const std::string& what, int err) {
  throw sdk::plugin_error(TROUPE_ERR_SYSTEM, what + ": " + std::strerror(err));
}

std::string key_of(const std::string& entry) { return entry.substr(0, entry.find('=')); }

bool executable(const std::string& path) {
  struct stat st {};
  return ::stat(path.c_str(), &st) == 0 && S_ISREG(st.st_mode) && ::access(path.c_str(), X_OK) == 0;
}

} // namespace

std::vector<std::string> merged_environment(const std::vector<std::string>& extra) {
  std::vector<std::string> env;
  for (char** e = environ; e && *e; ++e)
    env.emplace_back(*e);
  for (auto& x : extra) {
    if (x.find('=') == std::string::npos)
      throw sdk::plugin_error(TROUPE_ERR_INVALID_ARGUMENT,
                              "environment entry '" + x + "' is not K=V");
    auto key = key_of(x);
    std::erase_if(env, [&](const std::string& e) { return key_of(e) == key; });
    env.push_back(x);
  }
  return env;
}

std::string resolve_program(const std::string& program, const std::vector<std::string>& env) {
  if (program.empty())
    throw sdk::plugin_error(TROUPE_ERR_INVALID_ARGUMENT, "the worker command is empty");
  if (program.find('/') != std::string::npos) {
    if (!executable(program))
      throw sdk::plugin_error(TROUPE_ERR_INVALID_ARGUMENT,
                              "worker program " + program + " is not an executable file");
    return program;
  }
  std::string path = "/usr/local/bin:/usr/bin:/bin";
  for (auto& e : env)
    if (e.rfind("PATH=", 0) == 0)
      path = e.substr(5);
  std::size_t start = 0;
  while (start <= path.size()) {
    auto end = path.find(':', start);
    if (end == std::string::npos)
      end = path.size();
    auto dir = path.substr(start, end - start);
    auto candidate = (dir.empty() ? std::string{"."} : dir) + "/" + program;
    if (executable(candidate))
      return candidate;
    start = end + 1;
  }
  throw sdk::plugin_error(TROUPE_ERR_INVALID_ARGUMENT,
                          "worker program '" + program + "' is not in PATH (" + path + ")");
}

pid_t spawn(const command& c) {
  // Everything the child needs is built before fork: after it, only
  // async-signal-safe calls.
  std::vector<char*> argv, envp;
  for (auto& a : c.argv)
    argv.push_back(const_cast<char*>(a.c_str()));
  argv.push_back(nullptr);
  for (auto& e : c.env)
    envp.push_back(const_cast<char*>(e.c_str()));
  envp.push_back(nullptr);

  int pipefd[2];
  if (::pipe2(pipefd, O_CLOEXEC) != 0)
    system_error("pipe", errno);
  int devnull = ::open("/dev/null", O_RDONLY | O_CLOEXEC);
  // No host signal handler may run in the child between fork and exec.
  sigset_t all, old;
  sigfillset(&all);
  pthread_sigmask(SIG_SETMASK, &all, &old);
  pid_t parent = ::getpid();
  pid_t pid = ::fork();
  if (pid == 0) {
    ::prctl(PR_SET_PDEATHSIG, SIGTERM);
    if (::getppid() != parent)  // the host died before prctl
      ::_exit(127);
    ::setpgid(0, 0);
    struct sigaction dfl {};
    dfl.sa_handler = SIG_DFL;
    for (int sig = 1; sig < NSIG; ++sig)
      if (sig != SIGKILL && sig != SIGSTOP)
        ::sigaction(sig, &dfl, nullptr);
    sigset_t none;
    sigemptyset(&none);
    ::sigprocmask(SIG_SETMASK, &none, nullptr);
    if (devnull >= 0)
      ::dup2(devnull, 0);
#ifdef SYS_close_range
    ::syscall(SYS_close_range, 3U, ~0U, 4U /* CLOSE_RANGE_CLOEXEC */);
#endif
    ::execve(c.path.c_str(), argv.data(), envp.data());
    int err = errno;
    [[maybe_unused]] auto n = ::write(pipefd[1], &err, sizeof err);
    ::_exit(127);
  }
  int fork_errno = errno;
  pthread_sigmask(SIG_SETMASK, &old, nullptr);
  ::close(pipefd[1]);
  if (devnull >= 0)
    ::close(devnull);
  if (pid < 0) {
    ::close(pipefd[0]);
    system_error("fork", fork_errno);
  }
  // EOF: exec closed the pipe (success); 4 bytes: exec's errno.
  int child_errno = 0;
  ssize_t r;
  do
    r = ::read(pipefd[0], &child_errno, sizeof child_errno);
  while (r < 0 && errno == EINTR);
  ::close(pipefd[0]);
  if (r == static_cast<ssize_t>(sizeof child_errno)) {
    int status = 0;
    while (::waitpid(pid, &status, 0) < 0 && errno == EINTR) {
    }
    system_error("cannot run " + c.path, child_errno);
  }
  return pid;
}

int open_pidfd(pid_t pid) {
#ifdef SYS_pidfd_open
  long fd = ::syscall(SYS_pidfd_open, pid, 0);
  if (fd >= 0) {
    ::fcntl(static_cast<int>(fd), F_SETFD, FD_CLOEXEC);
    return static_cast<int>(fd);
  }
#endif
  (void)pid;
  return -1;
}

std::string signal_name(int sig) {
  static const std::pair<int, const char*> names[] = {
      {SIGHUP, "SIGHUP"},   {SIGINT, "SIGINT"},   {SIGQUIT, "SIGQUIT"}, {SIGILL, "SIGILL"},
      {SIGTRAP, "SIGTRAP"}, {SIGABRT, "SIGABRT"}, {SIGBUS, "SIGBUS"},   {SIGFPE, "SIGFPE"},
      {SIGKILL, "SIGKILL"}, {SIGUSR1, "SIGUSR1"}, {SIGSEGV, "SIGSEGV"}, {SIGUSR2, "SIGUSR2"},
      {SIGPIPE, "SIGPIPE"}, {SIGALRM, "SIGALRM"}, {SIGTERM, "SIGTERM"}, {SIGXCPU, "SIGXCPU"}};
  for (auto& [n, name] : names)
    if (n == sig)
      return name;
  return "signal " + std::to_string(sig);
}

std::string describe_exit(int wait_status, int& exit_code) {
  if (WIFEXITED(wait_status)) {
    exit_code = WEXITSTATUS(wait_status);
    return "exited with code " + std::to_string(exit_code);
  }
  if (WIFSIGNALED(wait_status)) {
    int sig = WTERMSIG(wait_status);
    exit_code = -sig;
    return "killed by signal " + std::to_string(sig) + " (" + signal_name(sig) + ")";
  }
  exit_code = 0;
  return "ended with wait status " + std::to_string(wait_status);
}

} // namespace troupe::local_plugin
