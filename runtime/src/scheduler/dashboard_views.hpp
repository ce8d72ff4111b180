// The scheduler's state as the dashboard, its JSON API and Prometheus see
// it. Pure functions of scheduler_state (no CAF, no sockets): the scheduler
// actor answers each dashboard_query with one of these, in its own thread,
// so nothing is shared with the HTTP server.
#pragma once

#include <cstdint>
#include <string>

#include "protocol/messages.hpp"
#include "scheduler/scheduler_state.hpp"

namespace troupe::internal {

/// What the scheduler actor knows beyond scheduler_state.
struct dashboard_context {
  std::string scheduler_address;  // "tcp://host:port", or "inproc"
  std::string dashboard_link;     // empty: no dashboard served
  std::uint64_t started_ns = 0;   // wall clock; task-stream times count from it
  double loop_latency_s = 0;      // the scheduler's event loop, last tick
  double loop_latency_max_s = 0;
  double serve_cpu_s = 0;         // CPU time the scheduler spent answering views
  std::size_t graph_limit = 1000;
  /// Records one live update carries at most (the newest); more are
  /// counted as dropped, so a flood of tiny tasks cannot stall the scheduler.
  std::size_t update_records = 1000;
  const std::vector<std::string>* worker_addresses = nullptr;  // by worker id
};

/// Answers GET `q.path` ("/api/v1/workers", "/metrics", ...); 404 for
/// unknown paths. `q.since` is a task-stream cursor.
proto::dashboard_reply dashboard_view(const scheduler_state& s, const dashboard_context& c,
                                      const proto::dashboard_query& q);

/// Whether `path` is answered by dashboard_view (for the HTTP server's 404s).
bool is_dashboard_view(const std::string& path);

} // namespace troupe::internal
