// What the scheduler records for the dashboard, /metrics and performance
// reports, beside its own bookkeeping: the task stream (a ring of what ran
// where and when), task counts and durations per task prefix, and totals.
// Recording costs a few stores per task: it is always on.
#pragma once

#include <array>
#include <cstdint>
#include <vector>

namespace troupe::internal {

/// One rectangle of the task stream: a task that ran, or a transfer.
struct stream_record {
  enum kind_t : std::uint8_t { task = 0, erred = 1, transfer = 2 };
  std::uint64_t start_ns = 0;  // wall clock, ns since the Unix epoch
  std::uint64_t stop_ns = 0;
  std::uint64_t nbytes = 0;    // result size, or bytes moved
  std::uint32_t worker = 0;    // that ran it, or that received the transfer
  std::uint32_t prefix = 0;    // interned function name; unused for transfers
  std::int32_t thread = -1;    // executor thread; -1 for transfers
  kind_t kind = task;
};

/// The last `capacity` records; a cursor counts every record ever pushed,
/// so a reader asking "since N" learns how many it missed.
class task_stream {
public:
  explicit task_stream(std::size_t capacity) : ring_(capacity) {}
  void resize(std::size_t capacity);
  void push(const stream_record& r) {
    ring_[next_ % ring_.size()] = r;
    ++next_;
  }
  std::uint64_t cursor() const { return next_; }
  /// The oldest cursor still held.
  std::uint64_t first() const { return next_ > ring_.size() ? next_ - ring_.size() : 0; }
  const stream_record& at(std::uint64_t seq) const { return ring_[seq % ring_.size()]; }

private:
  std::vector<stream_record> ring_;
  std::uint64_t next_ = 0;
};

/// Task durations in Prometheus histogram buckets (seconds, cumulative on output).
struct duration_histogram {
  static constexpr std::array<double, 10> bounds{1e-6, 1e-5, 1e-4, 1e-3, 1e-2,
                                                 0.1,  1,    10,   60,   600};
  std::array<std::uint64_t, bounds.size() + 1> counts{};  // last: above every bound
  double sum = 0;
  std::uint64_t count = 0;
  void add(double seconds) {
    std::size_t b = 0;
    while (b < bounds.size() && seconds > bounds[b])
      ++b;
    ++counts[b];
    sum += seconds;
    ++count;
  }
};

/// Per task prefix (function name): current tasks by state, and the
/// current round's totals. A round starts when a task of the prefix is
/// submitted while none is active, as Dask's progress bars restart.
struct prefix_stats {
  std::array<std::uint64_t, 6> by_state{};  // indexed by task_state
  std::uint64_t total = 0;                  // submitted this round
  std::uint64_t done = 0;                   // finished this round
  std::uint64_t erred = 0;                  // erred this round
  duration_histogram durations;
  double seconds = 0;                       // compute time, ever
};

} // namespace troupe::internal
