#include "scheduler/dashboard_views.hpp"

#include <algorithm>
#include <array>
#include <charconv>
#include <string_view>

#include <fmt/format.h>
#include <nlohmann/json.hpp>

#include "common/process_stats.hpp"

namespace troupe::internal {

namespace {

using json = nlohmann::json;
constexpr std::array state_names{"released", "waiting", "ready", "processing", "memory", "erred"};

double seconds_since(std::uint64_t start_ns, std::uint64_t t_ns) {
  return t_ns >= start_ns ? static_cast<double>(t_ns - start_ns) * 1e-9
                          : -static_cast<double>(start_ns - t_ns) * 1e-9;
}

std::array<std::uint64_t, 6> tasks_by_state(const scheduler_state& s) {
  std::array<std::uint64_t, 6> total{};
  for (auto& p : s.prefix_statistics())
    for (std::size_t i = 0; i < total.size(); ++i)
      total[i] += p.by_state[i];
  return total;
}

json state_counts(const std::array<std::uint64_t, 6>& counts) {
  json j = json::object();
  for (std::size_t i = 0; i < counts.size(); ++i)
    j[state_names[i]] = counts[i];
  return j;
}

std::uint64_t unmanaged(const worker_record& w) {
  return w.rss > w.managed_bytes ? w.rss - w.managed_bytes : 0;
}

json info(const scheduler_state& s, const dashboard_context& c) {
  std::uint64_t threads = 0, limit = 0, managed = 0, rss = 0;
  std::size_t workers = 0;
  for (auto& w : s.workers())
    if (w.alive) {
      ++workers;
      threads += w.nthreads;
      limit += w.memory_limit;
      managed += w.managed_bytes;
      rss += w.rss;
    }
  return {
    {"scheduler", c.scheduler_address},
    {"dashboard", c.dashboard_link},
    {"uptime_s", seconds_since(c.started_ns, wall_ns())},
    {"version", TROUPE_VERSION_STRING},
    {"workers", workers},
    {"threads", threads},
    {"memory_limit", limit},
    {"managed_bytes", managed},
    {"rss_bytes", rss},
    {"tasks", state_counts(tasks_by_state(s))},
    {"completed", s.completed()},
    {"erred_total", s.erred_total()},
    {"bytes_transferred", s.bytes_transferred()},
    {"event_loop_latency_s", c.loop_latency_s},
    {"dashboard_cpu_s", c.serve_cpu_s},
  };
}

json workers(const scheduler_state& s, const dashboard_context& c) {
  json list = json::array();
  for (auto& w : s.workers()) {
    if (!w.alive)
      continue;
    std::string address;
    if (c.worker_addresses && w.id < c.worker_addresses->size())
      address = (*c.worker_addresses)[w.id];
    list.push_back({
      {"id", w.id},
      {"name", w.name},
      {"address", address},
      {"threads", w.nthreads},
      {"memory_limit", w.memory_limit},
      {"managed", w.managed_bytes},
      {"unmanaged", unmanaged(w)},
      {"spilled", w.spilled},
      {"rss", w.rss},
      {"cpu", w.cpu},
      {"processing", w.processing},
      {"in_memory", w.n_keys},
      {"bytes_received", w.bytes_received},
      {"retiring", w.retiring},
    });
  }
  return {{"workers", std::move(list)}};
}

json progress(const scheduler_state& s) {
  json list = json::array();
  const auto& names = s.function_names();
  const auto& stats = s.prefix_statistics();
  for (std::size_t f = 0; f < stats.size(); ++f) {
    auto& p = stats[f];
    if (p.total == 0)
      continue;
    json row = {{"name", names[f]}, {"total", p.total}};
    for (std::size_t i = 0; i < p.by_state.size(); ++i)
      row[state_names[i]] = p.by_state[i];
    row["done"] = std::min(p.done, p.total);
    row["erred"] = std::min(p.erred, p.total);
    list.push_back(std::move(row));
  }
  return {{"prefixes", std::move(list)}};
}

json prefix_names(const scheduler_state& s) { return s.function_names(); }

// Records are written by hand: there may be tens of thousands, and this
// runs in the scheduler's thread.
void append_records(std::string& out, const scheduler_state& s, const dashboard_context& c,
                    std::uint64_t from, std::uint64_t to) {
  const auto& stream = s.stream();
  auto it = std::back_inserter(out);
  out += '[';
  for (auto seq = from; seq < to; ++seq) {
    const auto& r = stream.at(seq);
    bool transfer = r.kind == stream_record::transfer;
    fmt::format_to(it, "{}[{:.6f},{:.6f},{},{},{},{},{}]", seq == from ? "" : ",",
                   seconds_since(c.started_ns, r.start_ns), seconds_since(c.started_ns, r.stop_ns),
                   r.worker, r.thread, transfer ? -1 : static_cast<std::int64_t>(r.prefix),
                   static_cast<int>(r.kind), r.nbytes);
  }
  out += ']';
}

// {"cursor","dropped","now","prefixes","records"} since `since`, at most
// `limit` records (the newest).
std::string task_stream_json(const scheduler_state& s, const dashboard_context& c,
                             std::uint64_t since, std::size_t limit) {
  const auto& stream = s.stream();
  std::uint64_t to = stream.cursor();
  std::uint64_t from = std::clamp(since, stream.first(), to);
  if (to - from > limit)
    from = to - limit;
  std::uint64_t dropped = since < from ? from - since : 0;
  std::string out = fmt::format(R"({{"cursor":{},"dropped":{},"now":{:.6f},"prefixes":{},"records":)",
                                to, dropped, seconds_since(c.started_ns, wall_ns()),
                                prefix_names(s).dump());
  append_records(out, s, c, from, to);
  out += '}';
  return out;
}

json graph(const scheduler_state& s, const dashboard_context& c) {
  std::size_t n = s.n_tasks();
  json j = {{"limit", c.graph_limit}, {"tasks", n}};
  json nodes = json::array(), edges = json::array();
  if (n > c.graph_limit) {
    j["truncated"] = true;
  } else {
    j["truncated"] = false;
    const auto& names = s.function_names();
    s.for_each_task([&](std::uint32_t idx, const task_record& r) {
      nodes.push_back({{"id", idx},
                       {"key", detail::format_key(names[r.function], r.key)},
                       {"prefix", names[r.function]},
                       {"state", state_names[static_cast<std::size_t>(r.state)]}});
      for (auto d : r.deps)
        edges.push_back({d, idx});
    });
  }
  j["nodes"] = std::move(nodes);
  j["edges"] = std::move(edges);
  return j;
}

// What a performance report shows: the task stream since `since`, the
// workers, and per-prefix totals.
std::string report_json(const scheduler_state& s, const dashboard_context& c, std::uint64_t since) {
  const auto& stream = s.stream();
  std::uint64_t to = stream.cursor();
  std::uint64_t from = std::clamp(since, stream.first(), to);
  const auto& names = s.function_names();
  struct totals {
    std::uint64_t count = 0, erred = 0;
    double seconds = 0, max = 0;
  };
  std::vector<totals> per(names.size());
  std::uint64_t transfers = 0, transfer_bytes = 0;
  double transfer_seconds = 0, start = 0, stop = 0;
  for (auto seq = from; seq < to; ++seq) {
    const auto& r = stream.at(seq);
    double a = seconds_since(c.started_ns, r.start_ns), b = seconds_since(c.started_ns, r.stop_ns);
    start = seq == from ? a : std::min(start, a);
    stop = seq == from ? b : std::max(stop, b);
    if (r.kind == stream_record::transfer) {
      ++transfers;
      transfer_bytes += r.nbytes;
      transfer_seconds += b - a;
      continue;
    }
    auto& t = per[r.prefix];
    ++t.count;
    t.erred += r.kind == stream_record::erred ? 1 : 0;
    t.seconds += b - a;
    t.max = std::max(t.max, b - a);
  }
  json summary = json::array();
  for (std::size_t f = 0; f < per.size(); ++f)
    if (per[f].count > 0)
      summary.push_back({{"prefix", names[f]},
                         {"count", per[f].count},
                         {"erred", per[f].erred},
                         {"seconds", per[f].seconds},
                         {"mean_s", per[f].seconds / static_cast<double>(per[f].count)},
                         {"max_s", per[f].max}});
  json workers = json::array();
  for (auto& w : s.workers())
    if (w.alive)
      workers.push_back({{"id", w.id}, {"name", w.name}, {"threads", w.nthreads}});
  json head = {{"scheduler", c.scheduler_address},
               {"start_s", start},
               {"stop_s", stop},
               {"dropped", since < from ? from - since : 0},
               {"prefixes", prefix_names(s)},
               {"workers", std::move(workers)},
               {"summary", std::move(summary)},
               {"transfers", {{"count", transfers}, {"bytes", transfer_bytes},
                              {"seconds", transfer_seconds}}}};
  std::string out = head.dump();
  out.pop_back();  // '}': the records follow
  out += R"(,"records":)";
  append_records(out, s, c, from, to);
  out += '}';
  return out;
}

// -- Prometheus ------------------------------------------------------------------

std::string label_value(std::string_view v) {
  std::string out;
  for (char ch : v) {
    if (ch == '\\' || ch == '"')
      out += '\\';
    if (ch == '\n') {
      out += "\\n";
      continue;
    }
    out += ch;
  }
  return out;
}

void family(std::string& out, std::string_view name, std::string_view type, std::string_view help) {
  fmt::format_to(std::back_inserter(out), "# HELP {} {}\n# TYPE {} {}\n", name, help, name, type);
}

std::string metrics(const scheduler_state& s, const dashboard_context& c) {
  std::string out;
  auto it = std::back_inserter(out);
  auto counts = tasks_by_state(s);
  family(out, "troupe_tasks", "gauge", "Tasks the scheduler holds, by state.");
  for (std::size_t i = 0; i < counts.size(); ++i)
    fmt::format_to(it, "troupe_tasks{{state=\"{}\"}} {}\n", state_names[i], counts[i]);
  family(out, "troupe_tasks_completed_total", "counter", "Tasks finished with a result.");
  fmt::format_to(it, "troupe_tasks_completed_total {}\n", s.completed());
  family(out, "troupe_tasks_erred_total", "counter", "Tasks that failed.");
  fmt::format_to(it, "troupe_tasks_erred_total {}\n", s.erred_total());

  family(out, "troupe_task_duration_seconds", "histogram", "Time tasks ran, by task prefix.");
  const auto& names = s.function_names();
  const auto& stats = s.prefix_statistics();
  for (std::size_t f = 0; f < stats.size(); ++f) {
    const auto& h = stats[f].durations;
    if (h.count == 0)
      continue;
    auto prefix = label_value(names[f]);
    std::uint64_t cumulative = 0;
    for (std::size_t b = 0; b < duration_histogram::bounds.size(); ++b) {
      cumulative += h.counts[b];
      fmt::format_to(it, "troupe_task_duration_seconds_bucket{{prefix=\"{}\",le=\"{}\"}} {}\n",
                     prefix, duration_histogram::bounds[b], cumulative);
    }
    fmt::format_to(it, "troupe_task_duration_seconds_bucket{{prefix=\"{}\",le=\"+Inf\"}} {}\n",
                   prefix, h.count);
    fmt::format_to(it, "troupe_task_duration_seconds_sum{{prefix=\"{}\"}} {}\n", prefix, h.sum);
    fmt::format_to(it, "troupe_task_duration_seconds_count{{prefix=\"{}\"}} {}\n", prefix,
                   h.count);
  }

  std::uint64_t workers = 0, threads = 0, managed = 0, unmanaged_bytes = 0, spilled = 0, limit = 0;
  for (auto& w : s.workers())
    if (w.alive) {
      ++workers;
      threads += w.nthreads;
      managed += w.managed_bytes;
      unmanaged_bytes += unmanaged(w);
      spilled += w.spilled;
      limit += w.memory_limit;
    }
  family(out, "troupe_workers", "gauge", "Workers connected.");
  fmt::format_to(it, "troupe_workers {}\n", workers);
  family(out, "troupe_threads", "gauge", "Task threads of all workers.");
  fmt::format_to(it, "troupe_threads {}\n", threads);
  family(out, "troupe_worker_memory_bytes", "gauge",
         "Worker memory by kind: results held (managed), the rest of the process (unmanaged), "
         "results on disk (spilled).");
  fmt::format_to(it, "troupe_worker_memory_bytes{{kind=\"managed\"}} {}\n", managed);
  fmt::format_to(it, "troupe_worker_memory_bytes{{kind=\"unmanaged\"}} {}\n", unmanaged_bytes);
  fmt::format_to(it, "troupe_worker_memory_bytes{{kind=\"spilled\"}} {}\n", spilled);
  family(out, "troupe_worker_memory_limit_bytes", "gauge", "Sum of the workers' memory limits.");
  fmt::format_to(it, "troupe_worker_memory_limit_bytes {}\n", limit);
  family(out, "troupe_transfer_bytes_total", "counter", "Bytes moved between workers.");
  fmt::format_to(it, "troupe_transfer_bytes_total {}\n", s.bytes_transferred());
  family(out, "troupe_scheduler_event_loop_latency_seconds", "gauge",
         "How late the scheduler's last periodic tick ran.");
  fmt::format_to(it, "troupe_scheduler_event_loop_latency_seconds {:.9f}\n", c.loop_latency_s);
  family(out, "troupe_scheduler_event_loop_latency_max_seconds", "gauge",
         "The largest tick latency since the scheduler started.");
  fmt::format_to(it, "troupe_scheduler_event_loop_latency_max_seconds {:.9f}\n",
                 c.loop_latency_max_s);
  family(out, "troupe_scheduler_dashboard_cpu_seconds_total", "counter",
         "CPU time the scheduler spent answering the dashboard, the API and /metrics.");
  fmt::format_to(it, "troupe_scheduler_dashboard_cpu_seconds_total {:.6f}\n", c.serve_cpu_s);
  family(out, "troupe_scheduler_uptime_seconds", "gauge", "Seconds since the scheduler started.");
  fmt::format_to(it, "troupe_scheduler_uptime_seconds {:.3f}\n",
                 seconds_since(c.started_ns, wall_ns()));
  return out;
}

proto::dashboard_reply json_reply(const json& j) { return {200, "application/json", j.dump()}; }

} // namespace

bool is_dashboard_view(const std::string& path) {
  static const std::array<std::string_view, 9> paths{
    "/api/v1/info",  "/api/v1/workers", "/api/v1/tasks",  "/api/v1/progress", "/api/v1/task-stream",
    "/api/v1/graph", "/api/v1/update",  "/api/v1/report", "/metrics"};
  return std::find(paths.begin(), paths.end(), path) != paths.end();
}

proto::dashboard_reply dashboard_view(const scheduler_state& s, const dashboard_context& c,
                                      const proto::dashboard_query& q) {
  const auto& p = q.path;
  if (p == "/api/v1/info")
    return json_reply(info(s, c));
  if (p == "/api/v1/workers")
    return json_reply(workers(s, c));
  if (p == "/api/v1/tasks")
    return json_reply(state_counts(tasks_by_state(s)));
  if (p == "/api/v1/progress")
    return json_reply(progress(s));
  if (p == "/api/v1/graph")
    return json_reply(graph(s, c));
  if (p == "/api/v1/task-stream")
    return {200, "application/json",
            task_stream_json(s, c, q.since, std::max<std::size_t>(1, s.stream().cursor()))};
  if (p == "/api/v1/report")
    return {200, "application/json", report_json(s, c, q.since)};
  if (p == "/api/v1/update") {
    // One live update: everything the page shows, the stream since `since`.
    std::string out = R"({"info":)" + info(s, c).dump() + R"(,"workers":)" + workers(s, c).dump()
                      + R"(,"progress":)" + progress(s).dump() + R"(,"stream":)"
                      + task_stream_json(s, c, q.since, c.update_records) + R"(,"graph":)"
                      + graph(s, c).dump() + "}";
    return {200, "application/json", std::move(out)};
  }
  if (p == "/metrics")
    return {200, "text/plain; version=0.0.4; charset=utf-8", metrics(s, c)};
  return {404, "application/json", json{{"error", "no such view: " + p}}.dump()};
}

} // namespace troupe::internal
