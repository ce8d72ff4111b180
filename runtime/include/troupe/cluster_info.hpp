// A snapshot of a cluster, as the scheduler sees it.
#pragma once

#include <cstdint>
#include <iosfwd>
#include <string>
#include <vector>

namespace troupe {

struct worker_info {
  std::string name;
  std::uint32_t id = 0;
  std::uint32_t nthreads = 0;
  std::uint64_t memory_limit = 0;  ///< bytes; 0 when unlimited
  std::uint64_t managed_bytes = 0;  ///< bytes of results held
  std::uint64_t n_keys = 0;         ///< results held
  std::uint64_t processing = 0;     ///< tasks sent and not yet finished
  bool retiring = false;
  /// "host:port" where it serves its results to other processes; empty for
  /// a worker inside the client's process.
  std::string data_address;
};

struct cluster_info {
  std::string scheduler_address;
  /// The scheduler's dashboard ("http://127.0.0.1:8787/status"); empty when off.
  std::string dashboard_link;
  std::vector<worker_info> workers;
  /// Tasks by state: waiting, ready, processing, memory, erred.
  std::uint64_t waiting = 0, ready = 0, processing = 0, memory = 0, erred = 0;
  /// Tasks run to completion since the scheduler started (a fused chain of
  /// array operations counts once).
  std::uint64_t completed = 0;
  std::uint64_t total_threads() const;
  std::uint64_t total_memory_limit() const;
  std::uint64_t total_managed_bytes() const;
};

/// Bytes as GiB with two decimals ("23.59"), for printing.
std::string gib_text(std::uint64_t bytes);

/// "<scheduler address> workers=2 threads=2 memory=..." in a small table.
std::ostream& operator<<(std::ostream& out, const cluster_info& info);

} // namespace troupe
