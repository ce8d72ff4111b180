// The scheduler's dashboard seen from outside, over real HTTP on 127.0.0.1:
// the JSON API against what the test ran, /metrics against promtool and the
// counts, bad requests, the live event stream, the page and its assets, a
// port in use, progress bars, performance reports; and, white-box, the
// views computed from scheduler_state directly.
#include <gtest/gtest.h>

#include <cstdio>
#include <filesystem>
#include <fstream>
#include <iostream>
#include <map>
#include <numeric>
#include <regex>
#include <set>
#include <sstream>
#include <stdexcept>
#include <string>
#include <vector>

#include <arpa/inet.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <unistd.h>

#include <msgpack.hpp>
#include <nlohmann/json.hpp>

#include <troupe/troupe.hpp>

#include "common/error_payload.hpp"
#include "common/process_stats.hpp"
#include "http_get.hpp"
#include "scheduler/dashboard_views.hpp"
#include "scheduler/scheduler_state.hpp"
#include "scheduler_test_support.hpp"
#include "troupe/serialization.hpp"

using json = nlohmann::json;
using namespace std::chrono_literals;
using namespace std::string_literals;
using troupe_test::http_exchange;
using troupe_test::http_get;
using troupe_test::port_of_url;

namespace {

int dash_square(int x) { return x * x; }
int dash_add(int a, int b) { return a + b; }
int dash_fail(int x) { throw std::runtime_error("dash_fail: refused " + std::to_string(x)); }
std::vector<long> dash_vector(int n) { return std::vector<long>(static_cast<std::size_t>(n), n); }

TROUPE_TASK(dash_square, dash_add, dash_fail, dash_vector);

constexpr auto timeout = 30s;

bool contains(const std::string& text, const std::string& part) {
  return text.find(part) != std::string::npos;
}

// Waits for every future, whether it succeeds or fails.
template <class R>
void settle(const std::vector<troupe::future<R>>& fs) {
  ASSERT_TRUE(troupe::wait(fs, timeout).not_done.empty());
}

// Each test: a fresh cluster of 2 workers x 2 threads whose scheduler serves
// the dashboard on a free port, a client, and that port.
class dashboard_test : public ::testing::Test {
protected:
  void SetUp() override {
    link = client.dashboard_link();
    port = port_of_url(link);
    ASSERT_GT(port, 0) << "dashboard_link: '" << link << "'";
  }

  // GET `path`: 200, application/json, parsed.
  json get_json(const std::string& path) {
    auto r = http_get(port, path);
    EXPECT_EQ(r.status, 200) << path << ": " << r.body;
    EXPECT_EQ(r.header("content-type"), "application/json") << path;
    return json::parse(r.body);
  }

  troupe::local_cluster cluster{{.n_workers = 2, .threads_per_worker = 2, .dashboard_port = 0}};
  troupe::client client{cluster};
  std::string link;
  int port = -1;
};

using dashboard_api = dashboard_test;
using dashboard_metrics = dashboard_test;
using dashboard_errors = dashboard_test;
using dashboard_stream = dashboard_test;
using dashboard_page = dashboard_test;
using dashboard_progress = dashboard_test;
using dashboard_report = dashboard_test;

// Runs 20 squares and 3 failing tasks (independent: nothing moves between
// workers); returns the futures so their results stay held.
struct first_batch {
  std::vector<troupe::future<int>> squares, failures;
};

first_batch run_first_batch(troupe::client& client) {
  first_batch b;
  std::vector<int> xs(20);
  std::iota(xs.begin(), xs.end(), 0);
  b.squares = client.map(dash_square, xs);
  b.failures = client.map(dash_fail, std::vector<int>{1, 2, 3});
  auto got = client.gather(b.squares, timeout);
  for (int i = 0; i < 20; ++i)
    EXPECT_EQ(got[static_cast<std::size_t>(i)], i * i);
  settle(b.failures);
  for (auto& f : b.failures)
    EXPECT_THROW(f.get(timeout), troupe::task_error);
  return b;
}

// Records of a task-stream JSON by (prefix name, kind).
std::map<std::pair<std::string, int>, int> records_by_prefix(const json& stream) {
  std::map<std::pair<std::string, int>, int> out;
  auto& names = stream.at("prefixes");
  for (auto& r : stream.at("records")) {
    int prefix = r[4].get<int>(), kind = r[5].get<int>();
    std::string name = prefix < 0 ? "(transfer)" : names.at(static_cast<std::size_t>(prefix)).get<std::string>();
    ++out[{name, kind}];
  }
  return out;
}

} // namespace

// -- the JSON API -------------------------------------------------------------------

TEST_F(dashboard_api, progress_info_and_tasks_count_what_ran) {
  auto batch = run_first_batch(client);

  auto progress = get_json("/api/v1/progress");
  std::map<std::string, json> rows;
  for (auto& row : progress.at("prefixes"))
    rows[row.at("name").get<std::string>()] = row;
  ASSERT_EQ(rows.size(), 2u) << progress.dump();  // only prefixes that were submitted
  auto& sq = rows.at("dash_square");
  EXPECT_EQ(sq["total"], 20);
  EXPECT_EQ(sq["done"], 20);
  EXPECT_EQ(sq["erred"], 0);
  EXPECT_EQ(sq["memory"], 20);  // held by the futures
  auto& fail = rows.at("dash_fail");
  EXPECT_EQ(fail["total"], 3);
  EXPECT_EQ(fail["done"], 0);
  EXPECT_EQ(fail["erred"], 3);
  EXPECT_EQ(fail["memory"], 0);

  auto info = get_json("/api/v1/info");
  EXPECT_EQ(info["completed"], 20);
  EXPECT_EQ(info["erred_total"], 3);
  EXPECT_EQ(info["workers"], 2);
  EXPECT_EQ(info["threads"], 4);
  EXPECT_EQ(info["dashboard"], link);
  EXPECT_EQ(info["tasks"]["memory"], 20);
  EXPECT_EQ(info["tasks"]["erred"], 3);
  EXPECT_EQ(info["bytes_transferred"], 0);  // no task had an input

  // The client's own view of the same scheduler agrees.
  auto ci = client.scheduler_info();
  EXPECT_EQ(info["completed"].get<std::uint64_t>(), ci.completed);
  auto tasks = get_json("/api/v1/tasks");
  EXPECT_EQ(tasks["memory"].get<std::uint64_t>(), ci.memory);
  EXPECT_EQ(tasks["erred"].get<std::uint64_t>(), ci.erred);
  EXPECT_EQ(tasks["waiting"], 0);
  EXPECT_EQ(tasks["processing"], 0);
}

TEST_F(dashboard_api, the_task_stream_has_one_record_per_task_and_a_cursor) {
  auto batch = run_first_batch(client);
  auto workers = get_json("/api/v1/workers");
  std::map<int, int> threads_of;  // worker id -> threads
  for (auto& w : workers["workers"])
    threads_of[w["id"].get<int>()] = w["threads"].get<int>();
  ASSERT_EQ(threads_of.size(), 2u);

  auto stream = get_json("/api/v1/task-stream?since=0");
  EXPECT_EQ(stream["dropped"], 0);
  auto& records = stream["records"];
  EXPECT_EQ(stream["cursor"].get<std::size_t>(), records.size());
  std::map<std::pair<std::string, int>, int> expected{{{"dash_square", 0}, 20},
                                                      {{"dash_fail", 1}, 3}};
  EXPECT_EQ(records_by_prefix(stream), expected) << stream.dump();
  double now = stream["now"].get<double>();
  for (auto& r : records) {
    double start = r[0].get<double>(), stop = r[1].get<double>();
    int worker = r[2].get<int>(), thread = r[3].get<int>();
    EXPECT_GE(stop, start) << r.dump();
    EXPECT_GE(start, 0.0) << r.dump();  // after the scheduler started
    EXPECT_LE(stop, now) << r.dump();
    ASSERT_TRUE(threads_of.count(worker)) << r.dump();
    EXPECT_GE(thread, 0) << r.dump();
    EXPECT_LT(thread, threads_of[worker]) << r.dump();
  }

  // A cursor taken now returns exactly the next batch's records.
  auto cursor = stream["cursor"].get<std::uint64_t>();
  auto second = client.map(dash_square, std::vector<int>{100, 101, 102, 103, 104});
  auto got = client.gather(second, timeout);
  EXPECT_EQ(got, (std::vector<int>{10000, 10201, 10404, 10609, 10816}));
  auto next = get_json("/api/v1/task-stream?since=" + std::to_string(cursor));
  EXPECT_EQ(next["dropped"], 0);
  EXPECT_EQ(next["cursor"].get<std::uint64_t>(), cursor + 5);
  EXPECT_EQ(records_by_prefix(next), (std::map<std::pair<std::string, int>, int>{
                                       {{"dash_square", 0}, 5}}))
    << next.dump();
  // Nothing new: no records, the same cursor.
  auto none = get_json("/api/v1/task-stream?since=" + std::to_string(cursor + 5));
  EXPECT_TRUE(none["records"].empty());
  EXPECT_EQ(none["cursor"].get<std::uint64_t>(), cursor + 5);
}

TEST_F(dashboard_api, workers_show_the_managed_memory_the_scheduler_counts) {
  std::vector<int> sizes{1000, 2000, 3000, 4000, 5000, 6000, 7000, 8000};
  auto held = client.map(dash_vector, sizes);
  auto got = client.gather(held, timeout);
  for (std::size_t i = 0; i < sizes.size(); ++i)
    ASSERT_EQ(got[i], std::vector<long>(static_cast<std::size_t>(sizes[i]), sizes[i]));
  client.sync();
  auto workers = get_json("/api/v1/workers")["workers"];
  ASSERT_EQ(workers.size(), 2u) << workers.dump();
  std::uint64_t managed = 0, in_memory = 0;
  std::set<std::string> names;
  for (auto& w : workers) {
    managed += w["managed"].get<std::uint64_t>();
    in_memory += w["in_memory"].get<std::uint64_t>();
    names.insert(w["name"].get<std::string>());
    EXPECT_EQ(w["threads"], 2);
  }
  auto info = client.scheduler_info();
  EXPECT_EQ(managed, info.total_managed_bytes());
  // Results are held serialized: their msgpack sizes, packed here.
  std::uint64_t packed = 0;
  for (auto n : sizes) {
    msgpack::sbuffer buffer;
    msgpack::pack(buffer, std::vector<long>(static_cast<std::size_t>(n), n));
    packed += buffer.size();
  }
  EXPECT_EQ(managed, packed);
  EXPECT_EQ(in_memory, sizes.size());
  std::set<std::string> expected_names;
  for (auto& w : info.workers)
    expected_names.insert(w.name);
  EXPECT_EQ(names, expected_names);
}

TEST_F(dashboard_api, the_graph_has_the_tasks_held_and_the_edges_submitted) {
  // A tree: 8 squares, 4 pairwise sums, 2 sums of those, 1 total. All held.
  std::vector<troupe::future<int>> all, level;
  std::set<std::pair<std::string, std::string>> expected_edges;
  for (int i = 0; i < 8; ++i)
    level.push_back(client.submit(dash_square, i + 1));
  all = level;
  while (level.size() > 1) {
    std::vector<troupe::future<int>> next;
    for (std::size_t i = 0; i + 1 < level.size(); i += 2) {
      auto f = client.submit(dash_add, level[i], level[i + 1]);
      expected_edges.insert({level[i].key(), f.key()});
      expected_edges.insert({level[i + 1].key(), f.key()});
      next.push_back(f);
    }
    all.insert(all.end(), next.begin(), next.end());
    level = next;
  }
  EXPECT_EQ(level[0].get(timeout), 204);  // 1 + 4 + ... + 64
  settle(all);
  client.sync();

  auto graph = get_json("/api/v1/graph");
  EXPECT_EQ(graph["truncated"], false);
  auto tasks = get_json("/api/v1/tasks");
  std::uint64_t held = 0;
  for (auto& [state, n] : tasks.items())
    held += n.get<std::uint64_t>();
  EXPECT_EQ(held, all.size());
  ASSERT_EQ(graph["nodes"].size(), all.size()) << graph.dump();
  EXPECT_EQ(graph["tasks"].get<std::size_t>(), all.size());
  std::map<int, std::string> key_of;
  std::set<std::string> keys;
  for (auto& n : graph["nodes"]) {
    key_of[n["id"].get<int>()] = n["key"].get<std::string>();
    keys.insert(n["key"].get<std::string>());
    EXPECT_EQ(n["state"], "memory");
    EXPECT_TRUE(contains(n["key"].get<std::string>(), n["prefix"].get<std::string>() + "-"));
  }
  std::set<std::string> expected_keys;
  for (auto& f : all)
    expected_keys.insert(f.key());
  EXPECT_EQ(keys, expected_keys);
  std::set<std::pair<std::string, std::string>> edges;
  for (auto& e : graph["edges"])
    edges.insert({key_of.at(e[0].get<int>()), key_of.at(e[1].get<int>())});
  EXPECT_EQ(edges.size(), graph["edges"].size());  // no duplicates
  EXPECT_EQ(edges, expected_edges);
}

// -- /metrics ----------------------------------------------------------------------

namespace {

// Runs `command`, returns (exit code, stdout and stderr).
std::pair<int, std::string> run_command(const std::string& command) {
  std::string out;
  FILE* p = ::popen((command + " 2>&1").c_str(), "r");
  if (!p)
    throw std::runtime_error("popen failed: " + command);
  char buf[4096];
  while (auto n = std::fread(buf, 1, sizeof buf, p))
    out.append(buf, n);
  int status = ::pclose(p);
  return {WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status), out};
}

// The value of the sample line that starts with `series` + ' '.
std::optional<double> sample(const std::string& text, const std::string& series) {
  std::istringstream in{text};
  for (std::string line; std::getline(in, line);)
    if (line.rfind(series + " ", 0) == 0)
      return std::stod(line.substr(series.size() + 1));
  return std::nullopt;
}

} // namespace

TEST_F(dashboard_metrics, promtool_accepts_them_and_the_counts_match) {
  const std::string promtool = TROUPE_PROMTOOL;
  ASSERT_FALSE(promtool.empty() || contains(promtool, "NOTFOUND"))
    << "promtool was not found when CMake configured the tests; install the Prometheus "
       "tools (Debian: apt-get install prometheus) and re-run cmake";
  auto batch = run_first_batch(client);
  std::vector<troupe::future<int>> sums;
  for (int i = 1; i <= 4; ++i)
    sums.push_back(client.submit(dash_add, i, 10));
  EXPECT_EQ(client.gather(sums, timeout), (std::vector<int>{11, 12, 13, 14}));

  auto r = http_get(port, "/metrics");
  ASSERT_EQ(r.status, 200);
  EXPECT_EQ(r.header("content-type"), "text/plain; version=0.0.4; charset=utf-8");
  auto dir = std::filesystem::path{::testing::TempDir()} / ("troupe-metrics-" + std::to_string(::getpid()));
  std::filesystem::create_directories(dir);
  auto file = dir / "metrics.txt";
  std::ofstream{file, std::ios::binary} << r.body;
  auto [code, lint] = run_command("'" + promtool + "' check metrics < '" + file.string() + "'");
  EXPECT_EQ(code, 0) << lint << "\n--- metrics ---\n" << r.body;
  EXPECT_EQ(lint, "") << "promtool lint output";
  std::filesystem::remove_all(dir);

  const std::string& m = r.body;
  EXPECT_EQ(sample(m, "troupe_tasks_completed_total"), 24.0) << m;
  EXPECT_EQ(sample(m, "troupe_tasks_erred_total"), 3.0) << m;
  EXPECT_EQ(sample(m, "troupe_task_duration_seconds_count{prefix=\"dash_square\"}"), 20.0) << m;
  EXPECT_EQ(sample(m, "troupe_task_duration_seconds_count{prefix=\"dash_add\"}"), 4.0) << m;
  EXPECT_EQ(sample(m, "troupe_task_duration_seconds_count{prefix=\"dash_fail\"}"), 3.0) << m;
  EXPECT_EQ(sample(m, "troupe_task_duration_seconds_bucket{prefix=\"dash_square\",le=\"+Inf\"}"),
            20.0) << m;
  EXPECT_EQ(sample(m, "troupe_task_duration_seconds_count{prefix=\"dash_vector\"}"), std::nullopt)
    << "a prefix that never ran has no series";
  EXPECT_EQ(sample(m, "troupe_tasks{state=\"memory\"}"), 24.0) << m;
  EXPECT_EQ(sample(m, "troupe_tasks{state=\"erred\"}"), 3.0) << m;
  EXPECT_EQ(sample(m, "troupe_workers"), 2.0) << m;
  EXPECT_EQ(sample(m, "troupe_threads"), 4.0) << m;
}

// -- bad requests ------------------------------------------------------------------

TEST_F(dashboard_errors, bad_requests_get_http_errors_and_the_server_keeps_serving) {
  auto r = http_get(port, "/api/v1/no-such-view");
  EXPECT_EQ(r.status, 404);
  EXPECT_EQ(r.header("content-type"), "application/json");
  EXPECT_TRUE(contains(json::parse(r.body).at("error").get<std::string>(), "/api/v1/no-such-view"))
    << r.body;
  EXPECT_EQ(http_get(port, "/nothing/here").status, 404);
  EXPECT_EQ(http_get(port, "/static/../status").status, 404);

  r = http_get(port, "/api/v1/task-stream?since=abc");
  EXPECT_EQ(r.status, 400);
  EXPECT_TRUE(contains(json::parse(r.body).at("error").get<std::string>(), "abc")) << r.body;
  EXPECT_EQ(http_get(port, "/api/v1/task-stream?since=-1").status, 400);
  EXPECT_EQ(http_get(port, "/api/v1/task-stream?since=%zz").status, 400);
  EXPECT_EQ(http_get(port, "/api/v1/info?x=%4").status, 400);

  r = http_exchange(port, "POST /api/v1/info HTTP/1.1\r\nHost: x\r\nContent-Length: 2\r\n"
                          "Connection: close\r\n\r\n{}");
  EXPECT_EQ(r.status, 405) << r.raw;
  EXPECT_EQ(r.header("allow"), "GET");

  std::string big = "GET /api/v1/info HTTP/1.1\r\nHost: x\r\nX-Filler: " + std::string(20 * 1024, 'a')
                    + "\r\n\r\n";
  r = http_exchange(port, big);
  EXPECT_EQ(r.status, 431) << r.raw.substr(0, 200);

  // Garbage: a TLS client hello, binary noise, a broken request line, an
  // unknown HTTP version. Each gets 400 or a closed connection.
  const std::string garbage[] = {
    // ""s: the literals hold NUL bytes, and their length is counted for us.
    "\x16\x03\x01\x00\xa5\x01\x00\x00\xa1\x03\x03\r\n\r\n"s,
    "\x00\xff\xfe\x01\x02\x03\x04\x05\n\n\r\n\r\n"s,
    "GARBAGE\r\n\r\n",
    "GET\r\n\r\n",
    "GET /api/v1/info HTTP/9.9\r\n\r\n",
    "GET /api/v1/info HTTP/1.1\r\nContent-Length: nope\r\n\r\n",
  };
  for (auto& g : garbage) {
    auto reply = http_exchange(port, g, 15s);
    EXPECT_TRUE(reply.status == 400 || (reply.status == 0 && reply.closed))
      << "status " << reply.status << " for " << json(g).dump(-1, ' ', false,
                                                        json::error_handler_t::replace)
      << ": " << reply.raw.substr(0, 200);
  }

  // Still serving, and the cluster still computes.
  auto info = get_json("/api/v1/info");
  EXPECT_EQ(info["workers"], 2);
  EXPECT_EQ(http_get(port, "/health").body, "ok");
  EXPECT_EQ(client.submit(dash_square, 12).get(timeout), 144);
}

// -- the live event stream ---------------------------------------------------------

TEST_F(dashboard_stream, events_carry_the_tasks_that_ran_and_the_cursor_advances) {
  troupe_test::event_stream events{port, "/api/v1/stream?since=0"};
  ASSERT_EQ(events.status(), 200);
  EXPECT_EQ(events.head().header("content-type"), "text/event-stream");
  auto deadline = std::chrono::steady_clock::now() + 20s;
  auto first = events.next(deadline);
  ASSERT_TRUE(first) << "no event within 20 s";
  EXPECT_EQ(first->name, "update");
  auto j = json::parse(first->data);
  for (auto key : {"info", "workers", "progress", "stream", "graph"})
    EXPECT_TRUE(j.contains(key)) << key << " missing in " << first->data.substr(0, 300);
  auto start_cursor = j["stream"]["cursor"].get<std::uint64_t>();
  EXPECT_EQ(start_cursor, 0u);  // nothing ran yet

  std::vector<int> xs{3, 4, 5, 6, 7, 8, 9, 10};
  auto got = client.gather(client.map(dash_square, xs), timeout);
  EXPECT_EQ(got[7], 100);

  // Later events carry exactly the 8 records, each once, and the cursor moves.
  std::map<std::pair<std::string, int>, int> seen;
  std::uint64_t cursor = start_cursor;
  json last;
  while (cursor < xs.size()) {
    auto e = events.next(deadline);
    ASSERT_TRUE(e) << "the stream's cursor stayed at " << cursor << " for 20 s";
    EXPECT_EQ(e->name, "update");
    last = json::parse(e->data);
    auto& s = last["stream"];
    EXPECT_GE(s["cursor"].get<std::uint64_t>(), cursor);
    EXPECT_EQ(s["dropped"], 0);
    EXPECT_EQ(s["cursor"].get<std::uint64_t>() - cursor, s["records"].size());
    for (auto& [k, n] : records_by_prefix(s))
      seen[k] += n;
    cursor = s["cursor"].get<std::uint64_t>();
  }
  EXPECT_GT(cursor, start_cursor);
  EXPECT_EQ(seen, (std::map<std::pair<std::string, int>, int>{{{"dash_square", 0}, 8}}));
  EXPECT_EQ(last["info"]["completed"], 8);
  EXPECT_EQ(last["workers"]["workers"].size(), 2u);
  // The next event has nothing new: the same cursor, no records.
  auto quiet = events.next(deadline);
  ASSERT_TRUE(quiet);
  auto q = json::parse(quiet->data);
  EXPECT_EQ(q["stream"]["cursor"].get<std::uint64_t>(), cursor);
  EXPECT_TRUE(q["stream"]["records"].empty());
}

// -- the page, the link, the assets ------------------------------------------------

TEST_F(dashboard_page, the_link_serves_the_page_and_the_cluster_prints_it) {
  std::smatch m;
  ASSERT_TRUE(std::regex_match(link, m, std::regex{R"(http://127\.0\.0\.1:(\d+)/status)"})) << link;
  EXPECT_EQ(std::stoi(m[1]), port);
  EXPECT_EQ(cluster.info().dashboard_link, link);
  auto page = http_get(port, "/status");
  EXPECT_EQ(page.status, 200);
  EXPECT_EQ(page.header("content-type"), "text/html; charset=utf-8");
  EXPECT_TRUE(contains(page.body, "<canvas id=\"task-stream\"")) << page.body.substr(0, 500);

  std::ostringstream text;
  text << cluster;
  EXPECT_TRUE(contains(text.str(), "dashboard: " + link)) << text.str();

  auto js = http_get(port, "/static/dashboard.js");
  EXPECT_EQ(js.status, 200);
  EXPECT_EQ(js.header("content-type"), "text/javascript; charset=utf-8");
  EXPECT_TRUE(contains(js.body, "/api/v1/")) << js.body.substr(0, 300);
  auto css = http_get(port, "/static/dashboard.css");
  EXPECT_EQ(css.status, 200);
  EXPECT_EQ(css.header("content-type"), "text/css; charset=utf-8");
  // Every script and stylesheet the page names is served.
  std::regex asset{R"re((?:src|href)="(/static/[^"]+)")re"};
  int assets = 0;
  for (std::sregex_iterator it{page.body.begin(), page.body.end(), asset}, end; it != end; ++it) {
    ++assets;
    EXPECT_EQ(http_get(port, (*it)[1]).status, 200) << (*it)[1];
  }
  EXPECT_GT(assets, 0);

  auto root = http_get(port, "/");
  EXPECT_EQ(root.status, 302);
  EXPECT_EQ(root.header("location"), "/status");
  EXPECT_EQ(http_get(port, "/health").body, "ok");
}

namespace {

// A listening socket on 127.0.0.1 (no SO_REUSEADDR), closed on destruction.
struct held_port {
  held_port() {
    fd = ::socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
    sockaddr_in addr{};
    addr.sin_family = AF_INET;
    addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    addr.sin_port = 0;
    if (fd < 0 || ::bind(fd, reinterpret_cast<sockaddr*>(&addr), sizeof addr) != 0
        || ::listen(fd, 4) != 0)
      throw std::runtime_error("cannot hold a port");
    socklen_t len = sizeof addr;
    ::getsockname(fd, reinterpret_cast<sockaddr*>(&addr), &len);
    port = ntohs(addr.sin_port);
  }
  ~held_port() { ::close(fd); }
  int fd = -1;
  int port = 0;
};

} // namespace

TEST(dashboard_port, a_port_in_use_gives_another_that_serves) {
  held_port taken;
  troupe::local_cluster cluster{{.n_workers = 1, .threads_per_worker = 1,
                                 .dashboard_port = taken.port}};
  troupe::client client{cluster};
  auto link = client.dashboard_link();
  int port = port_of_url(link);
  EXPECT_GT(port, 0) << link;
  EXPECT_NE(port, taken.port) << link;
  auto r = http_get(port, "/api/v1/info");
  ASSERT_EQ(r.status, 200);
  EXPECT_EQ(json::parse(r.body)["dashboard"], link);
  EXPECT_EQ(client.submit(dash_square, 9).get(timeout), 81);
}

// -- progress ----------------------------------------------------------------------

namespace {

// The last line drawn: the text after the last '\r' or '\n', ignoring the
// trailing newline.
std::string last_line(std::string text) {
  while (!text.empty() && (text.back() == '\n' || text.back() == '\r'))
    text.pop_back();
  auto at = text.find_last_of("\r\n");
  return at == std::string::npos ? text : text.substr(at + 1);
}

} // namespace

TEST_F(dashboard_progress, client_progress_ends_at_100_percent_of_n) {
  std::vector<int> xs(60);
  std::iota(xs.begin(), xs.end(), 0);
  auto fs = client.map(dash_square, xs);
  std::ostringstream out;
  EXPECT_TRUE(client.progress(fs, {.out = &out}, timeout));
  auto text = out.str();
  ASSERT_FALSE(text.empty());
  EXPECT_EQ(text.back(), '\n');
  auto line = last_line(text);
  EXPECT_TRUE(contains(line, "100%")) << line;
  EXPECT_TRUE(contains(line, "60/60")) << line;
  EXPECT_TRUE(contains(line, "[" + std::string(40, '#') + "]")) << line;
  auto got = client.gather(fs, timeout);
  EXPECT_EQ(got[59], 59 * 59);
}

TEST_F(dashboard_progress, a_progress_bar_around_a_compute_ends_completed) {
  std::ostringstream out;
  std::vector<int> got;
  {
    troupe::progress_bar bar{client, {.out = &out, .interval = 20ms}};
    std::vector<int> xs(200);
    std::iota(xs.begin(), xs.end(), 0);
    got = client.gather(client.map(dash_square, xs), timeout);
  }
  EXPECT_EQ(got[199], 199 * 199);
  auto line = last_line(out.str());
  EXPECT_TRUE(contains(line, "100% Completed")) << out.str();
  EXPECT_EQ(out.str().back(), '\n');
}

TEST_F(dashboard_progress, default_options_draw_on_stderr_only_when_it_is_a_terminal) {
  std::ostringstream captured;
  auto* old = std::cerr.rdbuf(captured.rdbuf());
  bool all = false;
  {
    troupe::progress_bar bar{client, {.interval = 10ms}};
    auto fs = client.map(dash_square, std::vector<int>{1, 2, 3, 4, 5, 6});
    all = client.progress(fs, {}, timeout);
  }
  std::cerr.rdbuf(old);
  EXPECT_TRUE(all);
  if (::isatty(STDERR_FILENO))
    EXPECT_TRUE(contains(captured.str(), "100%")) << "stderr is a terminal: a bar is drawn";
  else
    EXPECT_EQ(captured.str(), "") << "stderr is not a terminal: nothing is drawn";
}

// -- performance report ------------------------------------------------------------

TEST_F(dashboard_report, counts_only_the_tasks_run_while_it_records) {
  // Before the report: 10 squares, not counted.
  std::vector<int> before(10);
  std::iota(before.begin(), before.end(), 0);
  auto early = client.gather(client.map(dash_square, before), timeout);
  EXPECT_EQ(early[9], 81);

  namespace fs = std::filesystem;
  fs::path dir = TROUPE_TEST_OUTPUT_DIR;
  fs::create_directories(dir);
  // Written beside and renamed: a reader of report.html never sees half a file.
  auto partial = dir / ("report.html.partial-" + std::to_string(::getpid()));
  {
    auto report = client.performance_report(partial.string());
    std::vector<troupe::future<int>> squares;
    for (int i = 100; i < 107; ++i)
      squares.push_back(client.submit(dash_square, i));
    std::vector<troupe::future<int>> sums;
    for (std::size_t i = 0; i + 1 < squares.size(); i += 2)
      sums.push_back(client.submit(dash_add, squares[i], squares[i + 1]));
    auto failures = client.map(dash_fail, std::vector<int>{7, 8});
    auto s = client.gather(sums, timeout);
    EXPECT_EQ(s[0], 100 * 100 + 101 * 101);
    settle(squares);
    settle(failures);
    report.write();
  }
  fs::rename(partial, dir / "report.html");

  std::ifstream in{dir / "report.html", std::ios::binary};
  std::string html{std::istreambuf_iterator<char>{in}, {}};
  const std::string marker = "window.TROUPE_REPORT=";
  auto at = html.find(marker);
  ASSERT_NE(at, std::string::npos) << html.substr(0, 500);
  at += marker.size();
  auto end = html.find(";</script>", at);
  ASSERT_NE(end, std::string::npos);
  auto report = json::parse(html.substr(at, end - at));

  std::map<std::string, std::uint64_t> expected{{"dash_square", 7}, {"dash_add", 3},
                                                {"dash_fail", 2}};
  std::map<std::string, std::uint64_t> counts, erred;
  for (auto& row : report["summary"]) {
    counts[row["prefix"].get<std::string>()] = row["count"].get<std::uint64_t>();
    erred[row["prefix"].get<std::string>()] = row["erred"].get<std::uint64_t>();
  }
  EXPECT_EQ(counts, expected) << report["summary"].dump();
  EXPECT_EQ(erred, (std::map<std::string, std::uint64_t>{{"dash_square", 0}, {"dash_add", 0},
                                                          {"dash_fail", 2}}));
  EXPECT_EQ(report["dropped"], 0);
  std::size_t task_records = 0;
  for (auto& r : report["records"])
    task_records += r[5].get<int>() != 2 ? 1 : 0;
  EXPECT_EQ(task_records, 12u);

  // The static table says the same.
  std::map<std::string, std::uint64_t> table;
  std::regex row{R"re(data-prefix="([^"]+)" data-count="(\d+)")re"};
  for (std::sregex_iterator it{html.begin(), html.end(), row}, stop; it != stop; ++it)
    table[(*it)[1]] = std::stoull((*it)[2]);
  EXPECT_EQ(table, expected);
  EXPECT_TRUE(contains(html, "<canvas id=\"task-stream\""));
}

// -- white-box: the views from scheduler_state -------------------------------------

namespace {

using namespace troupe::internal;
using troupe::detail::task_key;

using test_support::batch_builder;

// Task i of `run` finished on `worker` with `outcome`, 1 ms long.
proto::done_batch done(std::uint32_t worker, const proto::run_batch& run, std::size_t i,
                       proto::outcome outcome = proto::outcome::ok) {
  return test_support::done(worker, run, i, outcome, 100,
                       outcome == proto::outcome::failed
                         ? error_payload("t", "std::runtime_error", "boom")
                         : std::string{},
                       1'000'000);
}

json view(const scheduler_state& s, const dashboard_context& c, const std::string& path,
          std::uint64_t since = 0) {
  auto r = dashboard_view(s, c, proto::dashboard_query{path, since});
  EXPECT_EQ(r.status, 200u) << path;
  return json::parse(r.body);
}

// Submits `batch` for `client` and finishes every task it sends, round by
// round, until none is sent; failing those named `fail`.
void run_all(scheduler_state& s, std::uint32_t client, troupe::detail::task_batch& batch,
             const std::string& fail = "") {
  outbox out;
  s.submit(client, batch, out);
  while (!out.runs.empty()) {
    outbox next;
    for (auto& [w, run] : out.runs)
      for (std::size_t i = 0; i < run.size(); ++i) {
        auto name = run.functions[run.function[i]];
        s.finished(done(w, run, i, name == fail ? proto::outcome::failed : proto::outcome::ok),
                   next);
        EXPECT_EQ(s.validate(), "");
      }
    out = std::move(next);
  }
}

} // namespace

TEST(dashboard_views, a_graph_over_the_limit_is_truncated_with_no_nodes) {
  scheduler_state s;
  outbox out;
  s.add_worker("w", 2, 0, out);
  auto c = s.add_client();
  batch_builder b;
  auto a = b.add("a", 1);
  auto a2 = b.add("a", 2);
  auto m = b.add("m", 3, {a, a2});
  auto z = b.add("z", 4, {m});
  auto y = b.add("y", 5, {m});
  b.batch.wanted = {a, a2, m, z, y};
  run_all(s, c, b.batch);
  ASSERT_EQ(s.n_tasks(), 5u);

  dashboard_context ctx;
  ctx.started_ns = wall_ns();
  ctx.graph_limit = 4;
  auto g = view(s, ctx, "/api/v1/graph");
  EXPECT_EQ(g["truncated"], true);
  EXPECT_TRUE(g["nodes"].empty());
  EXPECT_TRUE(g["edges"].empty());
  EXPECT_EQ(g["tasks"], 5);
  EXPECT_EQ(g["limit"], 4);

  ctx.graph_limit = 5;  // at the limit: drawn
  g = view(s, ctx, "/api/v1/graph");
  EXPECT_EQ(g["truncated"], false);
  ASSERT_EQ(g["nodes"].size(), 5u);
  std::map<int, std::string> prefix_of;
  for (auto& n : g["nodes"])
    prefix_of[n["id"].get<int>()] = n["prefix"].get<std::string>();
  std::multiset<std::pair<std::string, std::string>> edges;
  for (auto& e : g["edges"])
    edges.insert({prefix_of.at(e[0].get<int>()), prefix_of.at(e[1].get<int>())});
  EXPECT_EQ(edges, (std::multiset<std::pair<std::string, std::string>>{
                     {"a", "m"}, {"a", "m"}, {"m", "y"}, {"m", "z"}}));
  EXPECT_EQ(s.validate(), "");
}

TEST(dashboard_views, a_small_ring_reports_exactly_how_many_records_were_dropped) {
  scheduler_state s;
  s.set_stream_size(4);
  outbox out;
  s.add_worker("w", 1, 0, out);
  auto c = s.add_client();
  for (int i = 0; i < 10; ++i) {
    batch_builder b;
    b.batch.wanted = {b.add("t", i)};
    run_all(s, c, b.batch);
  }
  ASSERT_EQ(s.completed(), 10u);
  dashboard_context ctx;
  ctx.started_ns = wall_ns();

  auto all = view(s, ctx, "/api/v1/task-stream", 0);
  EXPECT_EQ(all["cursor"], 10);
  EXPECT_EQ(all["dropped"], 6);
  EXPECT_EQ(all["records"].size(), 4u);
  auto recent = view(s, ctx, "/api/v1/task-stream", 8);
  EXPECT_EQ(recent["dropped"], 0);
  EXPECT_EQ(recent["records"].size(), 2u);
  auto edge = view(s, ctx, "/api/v1/task-stream", 6);  // the oldest still held
  EXPECT_EQ(edge["dropped"], 0);
  EXPECT_EQ(edge["records"].size(), 4u);
  auto ahead = view(s, ctx, "/api/v1/task-stream", 50);
  EXPECT_EQ(ahead["dropped"], 0);
  EXPECT_TRUE(ahead["records"].empty());

  // A live update carries at most update_records, the newest.
  ctx.update_records = 3;
  auto update = view(s, ctx, "/api/v1/update", 0);
  EXPECT_EQ(update["stream"]["dropped"], 7);
  EXPECT_EQ(update["stream"]["records"].size(), 3u);
  EXPECT_EQ(update["stream"]["cursor"], 10);

  auto report = view(s, ctx, "/api/v1/report", 0);
  EXPECT_EQ(report["dropped"], 6);
  ASSERT_EQ(report["summary"].size(), 1u);
  EXPECT_EQ(report["summary"][0]["count"], 4);
  // The histogram keeps every task, whatever the ring dropped.
  auto metrics = dashboard_view(s, ctx, proto::dashboard_query{"/metrics", 0}).body;
  EXPECT_TRUE(contains(metrics, "troupe_task_duration_seconds_count{prefix=\"t\"} 10\n"))
    << metrics;
}

TEST(dashboard_views, per_prefix_counts_stay_valid_through_submit_finish_release_and_errors) {
  scheduler_state s;
  outbox out;
  auto w = s.add_worker("w", 1, 0, out);
  auto c = s.add_client();
  EXPECT_EQ(s.validate(), "");

  auto progress = [&] {
    std::map<std::string, json> rows;
    auto progress = view(s, dashboard_context{}, "/api/v1/progress");
    for (auto& row : progress["prefixes"])
      rows[row["name"].get<std::string>()] = row;
    return rows;
  };

  // a -> m -> z, and e (fails) -> f; all wanted but m.
  batch_builder b;
  auto a = b.add("a", 1);
  auto m = b.add("m", 2, {a});
  auto z = b.add("z", 3, {m});
  auto e = b.add("e", 4);
  auto f = b.add("f", 5, {e});
  b.batch.wanted = {a, z, e, f};
  outbox o1;
  s.submit(c, b.batch, o1);
  EXPECT_EQ(s.validate(), "");
  auto rows = progress();
  EXPECT_EQ(rows["m"]["total"], 1);
  EXPECT_EQ(rows["m"]["waiting"], 1);
  EXPECT_EQ(rows["f"]["waiting"], 1);

  // Run everything on the single worker, e failing.
  auto pending = o1;
  while (!pending.runs.empty()) {
    outbox next;
    auto& run = pending.runs[w];
    for (std::size_t i = 0; i < run.size(); ++i) {
      bool fails = run.keys[i] == e;
      s.finished(done(w, run, i, fails ? proto::outcome::failed : proto::outcome::ok), next);
      EXPECT_EQ(s.validate(), "");
    }
    pending = std::move(next);
  }
  rows = progress();
  EXPECT_EQ(rows["a"]["memory"], 1);
  EXPECT_EQ(rows["a"]["done"], 1);
  EXPECT_EQ(rows["z"]["memory"], 1);
  EXPECT_EQ(rows["e"]["erred"], 1);
  EXPECT_EQ(rows["e"]["done"], 0);
  EXPECT_EQ(rows["f"]["erred"], 1);  // erred because its input did
  EXPECT_EQ(rows["f"]["total"], 1);
  EXPECT_EQ(s.erred_total(), 2u);
  EXPECT_EQ(s.completed(), 3u);  // a, m, z

  // Release everything: the counts follow, nothing stays counted.
  outbox o2;
  s.release(c, {a, z, e, f}, o2);
  EXPECT_EQ(s.validate(), "");
  EXPECT_EQ(s.n_tasks(), 0u);
  auto tasks = view(s, dashboard_context{}, "/api/v1/tasks");
  for (auto& [state, n] : tasks.items())
    EXPECT_EQ(n, 0) << state;

  // A new round of a prefix restarts its totals.
  batch_builder again;
  auto a3 = again.add("a", 30);
  again.batch.wanted = {a3};
  run_all(s, c, again.batch);
  rows = progress();
  EXPECT_EQ(rows["a"]["total"], 1);
  EXPECT_EQ(rows["a"]["done"], 1);
  EXPECT_EQ(s.validate(), "");
}
