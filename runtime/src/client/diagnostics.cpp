// progress_bar, client::progress and performance_report.
#include "troupe/diagnostics.hpp"

#include <condition_variable>
#include <cstdio>
#include <fstream>
#include <iomanip>
#include <iostream>
#include <mutex>
#include <sstream>

#include <unistd.h>

#include <nlohmann/json.hpp>

#include "client/client_core.hpp"
#include "common/logging.hpp"
#include "dashboard/assets.hpp"
#include "troupe/client.hpp"
#include "troupe/errors.hpp"

namespace troupe {

namespace {

using clock = std::chrono::steady_clock;

/// Where a bar is drawn: the caller's stream, or stderr when it is a
/// terminal (a log file or a pipe gets no bar, as in Dask).
std::ostream* target(const progress_options& o) {
  if (o.out)
    return o.out;
  return ::isatty(STDERR_FILENO) ? &std::cerr : nullptr;
}

void draw(std::ostream& out, double fraction, int width, const std::string& what,
          double seconds) {
  fraction = std::clamp(fraction, 0.0, 1.0);
  int filled = static_cast<int>(fraction * width);
  char line[64];
  std::snprintf(line, sizeof line, "| %3d%% %s | %5.1fs", static_cast<int>(fraction * 100),
                what.c_str(), seconds);
  out << "\r[" << std::string(filled, '#') << std::string(width - filled, ' ') << "] " << line
      << std::flush;
}

} // namespace

// -- progress_bar ----------------------------------------------------------------

struct progress_bar::state {
  std::shared_ptr<internal::client_core> core;
  progress_options options;
  std::ostream* out = nullptr;
  clock::time_point start = clock::now();
  std::uint64_t base_completed = 0;
  std::mutex mutex;
  std::condition_variable cv;
  bool stop = false;
  bool drawn = false;
  double fraction = 0;

  // Tasks finished since the start over those plus the unfinished.
  void sample() {
    auto info = core->snapshot(std::chrono::seconds(5));
    double done = static_cast<double>(info.completed - std::min(info.completed, base_completed));
    double left = static_cast<double>(info.waiting + info.ready + info.processing);
    std::lock_guard lock{mutex};
    fraction = done + left == 0 ? 1.0 : done / (done + left);
  }

  void redraw(bool last) {
    double seconds = std::chrono::duration<double>(clock::now() - start).count();
    if (!out || (seconds * 1000 < static_cast<double>(options.minimum.count()) && !drawn))
      return;
    draw(*out, fraction, options.width, "Completed", seconds);
    drawn = true;
    if (last)
      *out << "\n" << std::flush;
  }
};

progress_bar::progress_bar(progress_options options)
  : progress_bar(*detail::default_client_core(), options, 0) {}

progress_bar::progress_bar(client& c, progress_options options)
  : progress_bar(c.core(), options, 0) {}

progress_bar::progress_bar(internal::client_core& core, progress_options options, int)
  : state_(std::make_shared<state>()) {
  auto& s = *state_;
  s.core = core.shared_from_this();
  s.options = options;
  s.out = target(options);
  s.base_completed = s.core->snapshot(std::chrono::seconds(5)).completed;
  if (!s.out)
    return;  // nothing to draw on
  thread_ = std::thread([st = state_] {
    std::unique_lock lock{st->mutex};
    while (!st->cv.wait_for(lock, st->options.interval, [&] { return st->stop; })) {
      lock.unlock();
      try {
        st->sample();
        st->redraw(false);
      } catch (const std::exception& e) {
        spdlog::debug("troupe progress_bar: {}", e.what());
      }
      lock.lock();
    }
  });
}

progress_bar::~progress_bar() {
  {
    std::lock_guard lock{state_->mutex};
    state_->stop = true;
  }
  state_->cv.notify_all();
  if (thread_.joinable())
    thread_.join();
  try {
    state_->sample();
    state_->redraw(true);
  } catch (const std::exception& e) {
    spdlog::debug("troupe progress_bar: {}", e.what());
  }
}

double progress_bar::fraction() const {
  std::lock_guard lock{state_->mutex};
  return state_->fraction;
}

// -- client::progress --------------------------------------------------------------

namespace detail {

bool progress_states(const std::vector<future_state*>& states, const progress_options& options,
                     std::chrono::nanoseconds timeout) {
  auto* out = target(options);
  auto start = clock::now();
  auto deadline = start + timeout;
  bool drawn = false;
  for (;;) {
    auto slice = std::min<std::chrono::nanoseconds>(options.interval, deadline - clock::now());
    bool all = wait_all(states, std::max(slice, std::chrono::nanoseconds(0)));
    std::size_t done = 0;
    for (auto* s : states)
      done += s->status.load(std::memory_order_acquire) != future_status::pending ? 1 : 0;
    double seconds = std::chrono::duration<double>(clock::now() - start).count();
    if (out && (drawn || seconds * 1000 >= static_cast<double>(options.minimum.count()))) {
      draw(*out, states.empty() ? 1.0 : static_cast<double>(done) / states.size(), options.width,
           std::to_string(done) + "/" + std::to_string(states.size()), seconds);
      drawn = true;
    }
    if (all || clock::now() >= deadline) {
      if (drawn)
        *out << "\n" << std::flush;
      return all;
    }
  }
}

} // namespace detail

// -- performance_report ------------------------------------------------------------

namespace {

// Everything the stream holds is newer than this cursor.
constexpr std::uint64_t now_cursor = UINT64_MAX;

std::string html_escape(std::string_view s) {
  std::string out;
  for (char c : s) {
    switch (c) {
      case '&': out += "&amp;"; break;
      case '<': out += "&lt;"; break;
      case '>': out += "&gt;"; break;
      case '"': out += "&quot;"; break;
      default: out += c;
    }
  }
  return out;
}

// JSON inside <script>: "</" would end the script element early.
std::string script_safe(std::string json) {
  for (auto at = json.find("</"); at != std::string::npos; at = json.find("</", at + 3))
    json.replace(at, 2, "<\\/");
  return json;
}

std::string seconds_text(double s) {
  char text[32];
  if (s < 1e-3)
    std::snprintf(text, sizeof text, "%.1f µs", s * 1e6);
  else if (s < 1)
    std::snprintf(text, sizeof text, "%.2f ms", s * 1e3);
  else
    std::snprintf(text, sizeof text, "%.3f s", s);
  return text;
}

std::string report_html(const std::string& data) {
  auto j = nlohmann::json::parse(data);
  std::ostringstream summary;
  summary << "<table class=\"report-table\"><thead><tr><th>prefix</th><th>tasks</th>"
             "<th>erred</th><th>total time</th><th>mean</th><th>longest</th></tr></thead><tbody>";
  std::uint64_t tasks = 0;
  for (auto& row : j["summary"]) {
    tasks += row["count"].get<std::uint64_t>();
    summary << "<tr class=\"summary-row\" data-prefix=\""
            << html_escape(row["prefix"].get<std::string>()) << "\" data-count=\""
            << row["count"].get<std::uint64_t>() << "\"><td>"
            << html_escape(row["prefix"].get<std::string>()) << "</td><td>"
            << row["count"].get<std::uint64_t>() << "</td><td>" << row["erred"].get<std::uint64_t>()
            << "</td><td>" << seconds_text(row["seconds"].get<double>()) << "</td><td>"
            << seconds_text(row["mean_s"].get<double>()) << "</td><td>"
            << seconds_text(row["max_s"].get<double>()) << "</td></tr>";
  }
  summary << "</tbody></table>";
  auto& t = j["transfers"];
  double span = j["stop_s"].get<double>() - j["start_s"].get<double>();
  std::ostringstream html;
  html << "<!DOCTYPE html>\n<html lang=\"en\"><head><meta charset=\"utf-8\">"
       << "<title>troupe performance report</title><style>" << internal::asset_text("dashboard.css")
       << "</style></head><body class=\"report\">\n<h1>troupe performance report</h1>\n"
       << "<p class=\"report-meta\">scheduler " << html_escape(j["scheduler"].get<std::string>())
       << " · " << tasks << " tasks · " << t["count"].get<std::uint64_t>() << " transfers ("
       << t["bytes"].get<std::uint64_t>() << " bytes) · " << seconds_text(span) << " from first "
       << "task to last";
  if (j["dropped"].get<std::uint64_t>() > 0)
    html << " · " << j["dropped"].get<std::uint64_t>()
         << " older records were dropped (raise [dashboard] task_stream_size)";
  html << "</p>\n<h2>Task stream</h2>\n<canvas id=\"task-stream\" width=\"1200\" "
          "height=\"300\"></canvas>\n<h2>Time per task prefix</h2>\n<div id=\"report-summary\">"
       << summary.str() << "</div>\n<script>" << internal::asset_text("taskstream.js")
       << "</script>\n<script>window.TROUPE_REPORT=" << script_safe(data) << ";</script>\n<script>"
       << internal::asset_text("report.js") << "</script>\n</body></html>\n";
  return html.str();
}

} // namespace

performance_report::performance_report(std::string filename)
  : performance_report(*detail::default_client_core(), std::move(filename), 0) {}

performance_report::performance_report(client& c, std::string filename)
  : performance_report(c.core(), std::move(filename), 0) {}

performance_report::performance_report(internal::client_core& core, std::string filename, int)
  : core_(core.shared_from_this()), filename_(std::move(filename)) {
  cursor_ = core_->dashboard_query("/api/v1/task-stream", now_cursor, std::chrono::seconds(10)).cursor;
}

performance_report::performance_report(performance_report&& o) noexcept
  : core_(std::move(o.core_)), filename_(std::move(o.filename_)), cursor_(o.cursor_),
    written_(o.written_) {
  o.written_ = true;  // the moved-from object writes nothing
}

performance_report::~performance_report() {
  if (written_ || !core_)
    return;
  try {
    write();
  } catch (const std::exception& e) {
    spdlog::error("troupe performance_report: {}", e.what());
  }
}

void performance_report::write() {
  written_ = true;
  auto reply = core_->dashboard_query("/api/v1/report", cursor_, std::chrono::seconds(30));
  if (reply.status != 200)
    throw error("troupe: performance_report: the scheduler answered " + std::to_string(reply.status)
                + ": " + reply.body);
  std::ofstream out{filename_, std::ios::binary | std::ios::trunc};
  if (!out)
    throw error("troupe: performance_report: cannot write '" + filename_ + "'");
  out << report_html(reply.body);
  if (!out.flush())
    throw error("troupe: performance_report: writing '" + filename_ + "' failed");
}

} // namespace troupe
