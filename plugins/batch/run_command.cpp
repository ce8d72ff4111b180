#include "run_command.hpp"

#include <cerrno>
#include <csignal>
#include <cstdlib>
#include <cstring>
#include <stdexcept>
#include <vector>

#include <fcntl.h>
#include <poll.h>
#include <spawn.h>
#include <sys/wait.h>
#include <unistd.h>

extern char** environ;

namespace troupe::batch_plugin {

namespace {

[[noreturn]] void fail(const std::string& what, int err) {
  throw std::runtime_error("batch: " + what + ": " + std::strerror(err));
}

// Owns the descriptors and spawn objects, so every early throw cleans up.
struct fds {
  int out[2] = {-1, -1};
  int err[2] = {-1, -1};
  ~fds() {
    for (int fd : {out[0], out[1], err[0], err[1]})
      if (fd >= 0)
        ::close(fd);
  }
};

struct spawn_setup {
  posix_spawn_file_actions_t actions;
  posix_spawnattr_t attr;
  spawn_setup() {
    posix_spawn_file_actions_init(&actions);
    posix_spawnattr_init(&attr);
  }
  ~spawn_setup() {
    posix_spawn_file_actions_destroy(&actions);
    posix_spawnattr_destroy(&attr);
  }
};

pid_t wait_for(pid_t pid, int& status) {
  pid_t r;
  do
    r = ::waitpid(pid, &status, 0);
  while (r < 0 && errno == EINTR);
  return r;
}

}  // namespace

std::string command_text(const command& c) {
  std::string text;
  for (const auto& a : c.argv)
    text += (text.empty() ? "" : " ") + a;
  if (!c.stdin_path.empty())
    text += " < " + c.stdin_path;
  return text;
}

std::string exit_text(int exit_code) {
  return exit_code >= 0 ? "exited with code " + std::to_string(exit_code)
                        : "killed by signal " + std::to_string(-exit_code);
}

run_result run_command(const command& c, std::chrono::milliseconds timeout) {
  if (c.argv.empty() || c.argv[0].empty())
    throw std::invalid_argument("batch: a command with no program");
  std::vector<char*> argv;
  for (const auto& a : c.argv)
    argv.push_back(const_cast<char*>(a.c_str()));
  argv.push_back(nullptr);

  fds p;
  if (::pipe2(p.out, O_CLOEXEC) != 0 || ::pipe2(p.err, O_CLOEXEC) != 0)
    fail("pipe", errno);
  spawn_setup s;
  const char* in = c.stdin_path.empty() ? "/dev/null" : c.stdin_path.c_str();
  posix_spawn_file_actions_addopen(&s.actions, 0, in, O_RDONLY, 0);
  // dup2 clears close-on-exec on 1 and 2; the pipes' own ends stay CLOEXEC.
  posix_spawn_file_actions_adddup2(&s.actions, p.out[1], 1);
  posix_spawn_file_actions_adddup2(&s.actions, p.err[1], 2);
  // The host may hold descriptors without CLOEXEC (sockets, files); a
  // long-lived child such as an sbatch wrapper must not keep them open.
  posix_spawn_file_actions_addclosefrom_np(&s.actions, 3);
  // Default signal handling and an empty mask (the host's may block some),
  // and its own process group so a timeout kills everything it started.
  sigset_t all, none;
  sigfillset(&all);
  sigemptyset(&none);
  posix_spawnattr_setsigdefault(&s.attr, &all);
  posix_spawnattr_setsigmask(&s.attr, &none);
  posix_spawnattr_setpgroup(&s.attr, 0);
  posix_spawnattr_setflags(&s.attr, POSIX_SPAWN_SETSIGDEF | POSIX_SPAWN_SETSIGMASK
                                      | POSIX_SPAWN_SETPGROUP);

  pid_t pid = -1;
  // glibc's posix_spawnp reports exec's failure (ENOENT, EACCES) here.
  int rc = ::posix_spawnp(&pid, argv[0], &s.actions, &s.attr, argv.data(), environ);
  if (rc != 0) {
    std::string why = "cannot run '" + c.argv[0] + "'";
    // ENOENT is both "no such program" and "no such input file".
    if (rc == ENOENT && !c.stdin_path.empty() && ::access(c.stdin_path.c_str(), R_OK) != 0) {
      why += " (its input " + c.stdin_path + " is missing)";
    } else if (rc == ENOENT && c.argv[0].find('/') == std::string::npos) {
      const char* path = std::getenv("PATH");
      why += " (not found in PATH=" + std::string{path ? path : ""} + ")";
    }
    fail(why, rc);
  }
  ::close(p.out[1]);
  p.out[1] = -1;
  ::close(p.err[1]);
  p.err[1] = -1;

  // Both pipes drained together: a child that fills one while we block on
  // the other would deadlock.
  run_result r;
  pollfd pfds[2] = {{p.out[0], POLLIN, 0}, {p.err[0], POLLIN, 0}};
  std::string* dest[2] = {&r.out, &r.err};
  int open_fds = 2;
  auto deadline = std::chrono::steady_clock::now() + timeout;
  char buf[4096];
  while (open_fds > 0) {
    auto left = std::chrono::duration_cast<std::chrono::milliseconds>(
      deadline - std::chrono::steady_clock::now());
    int n = left.count() <= 0 ? 0 : ::poll(pfds, 2, static_cast<int>(left.count()));
    if (n < 0 && errno == EINTR)
      continue;
    if (n <= 0) {  // timed out (or poll failed): do not wait any longer
      int saved = errno;
      ::kill(-pid, SIGKILL);
      int status = 0;
      wait_for(pid, status);
      if (n < 0)
        fail("poll", saved);
      throw std::runtime_error("batch: '" + command_text(c) + "' did not finish within "
                               + std::to_string(timeout.count()) + " ms; killed it");
    }
    for (int i = 0; i < 2; ++i) {
      if (pfds[i].fd < 0 || pfds[i].revents == 0)
        continue;
      auto got = ::read(pfds[i].fd, buf, sizeof buf);
      if (got > 0) {
        dest[i]->append(buf, static_cast<std::size_t>(got));
      } else if (got == 0 || errno != EINTR) {
        pfds[i].fd = -1;  // ignored by poll from now on
        --open_fds;
      }
    }
  }
  int status = 0;
  if (wait_for(pid, status) != pid)
    fail("waiting for '" + command_text(c) + "'", errno);
  if (WIFEXITED(status))
    r.exit_code = WEXITSTATUS(status);
  else if (WIFSIGNALED(status))
    r.exit_code = -WTERMSIG(status);
  else
    r.exit_code = -1;
  return r;
}

}  // namespace troupe::batch_plugin
