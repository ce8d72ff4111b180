#include <cstdio>
#include "troupe/cluster_info.hpp"

#include <iomanip>
#include <ostream>

namespace troupe {

std::uint64_t cluster_info::total_threads() const {
  std::uint64_t n = 0;
  for (auto& w : workers)
    n += w.nthreads;
  return n;
}

std::uint64_t cluster_info::total_memory_limit() const {
  std::uint64_t n = 0;
  for (auto& w : workers)
    n += w.memory_limit;
  return n;
}

std::uint64_t cluster_info::total_managed_bytes() const {
  std::uint64_t n = 0;
  for (auto& w : workers)
    n += w.managed_bytes;
  return n;
}

std::string gib_text(std::uint64_t bytes) {
  // Formatted apart from the caller's stream, whose flags stay as they were.
  char text[32];
  std::snprintf(text, sizeof text, "%.2f", static_cast<double>(bytes) / (1024.0 * 1024 * 1024));
  return text;
}

std::ostream& operator<<(std::ostream& out, const cluster_info& info) {
  out << "scheduler " << info.scheduler_address << ": " << info.workers.size() << " workers, "
      << info.total_threads() << " threads, " << gib_text(info.total_memory_limit())
      << " GiB; tasks: " << info.waiting << " waiting, "
      << info.ready << " ready, " << info.processing << " processing, " << info.memory
      << " in memory, " << info.erred << " erred\n";
  if (!info.dashboard_link.empty())
    out << "  dashboard: " << info.dashboard_link << "\n";
  for (auto& w : info.workers) {
    std::string name = w.name;
    if (name.size() < 24)
      name.resize(24, ' ');
    out << "  " << name << " threads=" << w.nthreads
        << " memory=" << w.managed_bytes << "/" << w.memory_limit << " B keys=" << w.n_keys
        << " processing=" << w.processing
        << (w.data_address.empty() ? "" : " data=" + w.data_address)
        << (w.retiring ? " (retiring)" : "") << "\n";
  }
  return out;
}

} // namespace troupe
