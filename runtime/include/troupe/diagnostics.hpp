// Watching work run: a terminal progress bar (as dask.diagnostics'
// ProgressBar and distributed's progress) and a performance report (as
// distributed's performance_report). The live view is the scheduler's
// dashboard: client::dashboard_link().
#pragma once

#include <chrono>
#include <cstdint>
#include <iosfwd>
#include <memory>
#include <string>
#include <thread>

namespace troupe {

namespace internal {
class client_core;
}

class client;

struct progress_options {
  /// Where to draw; null: stderr, and only when stderr is a terminal.
  std::ostream* out = nullptr;
  std::chrono::milliseconds interval{100};  ///< how often the bar is redrawn
  int width = 40;                           ///< characters inside the brackets
  /// Draw nothing if the work finishes sooner than this (dask's `minimum`).
  std::chrono::milliseconds minimum{0};
};

/// While alive, draws the progress of everything the cluster runs for any
/// client, as `[#####     ] | 50% Completed |  1.2s`, and a final line when
/// destroyed:
///
///     { troupe::progress_bar bar; auto r = x.compute(); }
///
/// Progress is tasks finished since the bar was made over those finished
/// plus those still waiting, ready or running.
class progress_bar {
public:
  explicit progress_bar(progress_options options = {});  ///< the default client
  explicit progress_bar(client& c, progress_options options = {});
  ~progress_bar();
  progress_bar(const progress_bar&) = delete;
  progress_bar& operator=(const progress_bar&) = delete;

  /// The fraction done at the last redraw (0 to 1).
  double fraction() const;

  struct state;  // in the .cpp

private:
  progress_bar(internal::client_core& core, progress_options options, int);
  std::shared_ptr<state> state_;
  std::thread thread_;
};

/// Records the task stream from now on; write() (or the destructor) saves
/// it as one self-contained HTML file: the task stream drawn per worker
/// thread, and per-prefix counts and timings. As Dask's
/// `with performance_report(filename=...)`:
///
///     { auto report = client.performance_report("report.html"); x.compute(); }
class performance_report {
public:
  explicit performance_report(std::string filename);  ///< the default client
  performance_report(client& c, std::string filename);
  /// Writes the file unless write() did; an error is logged, not thrown.
  ~performance_report();
  performance_report(performance_report&&) noexcept;
  performance_report& operator=(performance_report&&) = delete;
  performance_report(const performance_report&) = delete;

  /// Writes the report now; throws troupe::error when the file cannot be
  /// written or the scheduler does not answer.
  void write();

private:
  performance_report(internal::client_core& core, std::string filename, int);
  std::shared_ptr<internal::client_core> core_;
  std::string filename_;
  std::uint64_t cursor_ = 0;
  bool written_ = false;
};

} // namespace troupe
