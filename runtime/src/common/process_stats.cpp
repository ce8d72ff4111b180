#include "common/process_stats.hpp"

#include <cstdio>
#include <ctime>
#include <sys/resource.h>
#include <unistd.h>

namespace troupe::internal {

std::uint64_t process_rss() {
  // statm's second field is resident pages; cheaper than parsing status.
  std::FILE* f = std::fopen("/proc/self/statm", "r");
  if (!f)
    return 0;
  unsigned long size = 0, resident = 0;
  int got = std::fscanf(f, "%lu %lu", &size, &resident);
  std::fclose(f);
  if (got != 2)
    return 0;
  return static_cast<std::uint64_t>(resident) * static_cast<std::uint64_t>(sysconf(_SC_PAGESIZE));
}

double process_cpu_seconds() {
  rusage u{};
  if (getrusage(RUSAGE_SELF, &u) != 0)
    return 0;
  auto seconds = [](const timeval& t) { return t.tv_sec + t.tv_usec * 1e-6; };
  return seconds(u.ru_utime) + seconds(u.ru_stime);
}

double thread_cpu_seconds() {
  timespec t{};
  if (clock_gettime(CLOCK_THREAD_CPUTIME_ID, &t) != 0)
    return 0;
  return static_cast<double>(t.tv_sec) + static_cast<double>(t.tv_nsec) * 1e-9;
}

double cpu_meter::sample() {
  auto now = std::chrono::steady_clock::now();
  double cpu = process_cpu_seconds();
  double wall = std::chrono::duration<double>(now - last_).count();
  double busy = wall > 0 ? (cpu - last_cpu_) / wall : 0;
  last_cpu_ = cpu;
  last_ = now;
  return busy < 0 ? 0 : busy;
}

} // namespace troupe::internal
