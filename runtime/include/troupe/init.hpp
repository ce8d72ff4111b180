// troupe::init: the first line of main in a program whose own TROUPE_TASKs
// should run on worker processes. A cluster with processes started from the
// host executable runs it as `PROGRAM --troupe-worker tcp://... [options]`;
// init then serves as a worker and exits, so main's own code never runs
// there. In any other case init returns at once.
#pragma once

namespace troupe {

void init(int argc, char** argv);

/// True when argv asks this process to be a worker or a scheduler (what
/// init checks).
bool is_worker_invocation(int argc, char** argv);

/// The flag a host executable is started with to run as a worker.
inline constexpr const char* worker_flag = "--troupe-worker";
/// The flag a host executable is started with to run as a scheduler (a
/// batch job of its own: the batch plugin's scheduler_placement = "job").
inline constexpr const char* scheduler_flag = "--troupe-scheduler";

} // namespace troupe
