// The `troupe` command line: scheduler, worker and info, as Dask's
// dask-scheduler / dask-worker / client.scheduler_info(). Lives in the
// runtime so that troupe::init() can run a host executable as a worker.
#pragma once

#include <string>
#include <vector>

namespace troupe::internal {

/// `troupe SUBCOMMAND ARGS...`; returns the process exit code.
int cli_main(int argc, char** argv);

/// The subcommands, given the arguments after their name.
int scheduler_main(const std::vector<std::string>& args);
int worker_main(const std::vector<std::string>& args);
int info_main(const std::vector<std::string>& args);

/// Set by SIGINT / SIGTERM: the long-running subcommands stop cleanly.
bool stop_requested();
void install_stop_handlers();

} // namespace troupe::internal
