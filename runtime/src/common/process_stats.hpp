// This process's memory and CPU use, as a worker reports them to the
// dashboard, and the wall clock the task stream is drawn in.
#pragma once

#include <chrono>
#include <cstdint>

namespace troupe::internal {

/// Nanoseconds since the Unix epoch: comparable across processes of one machine.
inline std::uint64_t wall_ns() {
  return static_cast<std::uint64_t>(std::chrono::duration_cast<std::chrono::nanoseconds>(
                                      std::chrono::system_clock::now().time_since_epoch())
                                      .count());
}

/// Resident memory of this process in bytes (0 if unknown).
std::uint64_t process_rss();

/// CPU time (user + system) this process has used, in seconds.
double process_cpu_seconds();

/// CPU time the calling thread has used, in seconds.
double thread_cpu_seconds();

/// Cores busy between two calls: CPU seconds used over wall seconds passed.
class cpu_meter {
public:
  double sample();

private:
  double last_cpu_ = process_cpu_seconds();
  std::chrono::steady_clock::time_point last_ = std::chrono::steady_clock::now();
};

} // namespace troupe::internal
