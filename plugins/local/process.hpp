// Starting and watching worker processes (POSIX + Linux).
#pragma once

#include <string>
#include <vector>

#include <sys/types.h>

namespace troupe::local_plugin {

/// A program to run: resolved path, argv (argv[0] included), full environment.
struct command {
  std::string path;
  std::vector<std::string> argv;
  std::vector<std::string> env;  ///< "K=V", the whole environment
};

/// This process's environment with `extra` ("K=V") added; extra wins.
std::vector<std::string> merged_environment(const std::vector<std::string>& extra);

/// `program` itself if it has a '/', else the first executable match in the
/// PATH of `env`. Throws sdk::plugin_error when there is none.
std::string resolve_program(const std::string& program, const std::vector<std::string>& env);

/// fork + exec. The child dies with SIGTERM when the forking thread (or
/// process) dies, runs in its own process group with stdin on /dev/null,
/// and inherits no other descriptor. Returns once exec succeeded; throws
/// sdk::plugin_error (TROUPE_ERR_SYSTEM) with the reason when fork or exec
/// failed.
pid_t spawn(const command& c);

/// A pidfd for the child (readable once it exits), or -1 when the kernel
/// has none; then the caller polls.
int open_pidfd(pid_t pid);

/// "SIGTERM", "SIGKILL", ... or "signal N".
std::string signal_name(int sig);

/// "exited with code 3" / "killed by signal 9 (SIGKILL)"; exit_code is the
/// status, or -signal.
std::string describe_exit(int wait_status, int& exit_code);

} // namespace troupe::local_plugin
