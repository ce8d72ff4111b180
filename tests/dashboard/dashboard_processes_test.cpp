// The dashboard of a real `troupe scheduler` process with two `troupe
// worker --load` processes: transfers between workers and the workers'
// memory reports reach the API. And the scheduler's dashboard options:
// --no-dashboard, a --dashboard-port out of range.
#include <gtest/gtest.h>

#include <csignal>
#include <map>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include <troupe/troupe.hpp>

#include "../distributed/child_process.hpp"
#include "dashboard_tasks.hpp"
#include "http_get.hpp"

TROUPE_TASK(dash_blob, dash_checksum);

namespace {

using json = nlohmann::json;
using namespace std::chrono_literals;
using troupe_test::child_process;
using troupe_test::http_get;
constexpr auto timeout = 60s;

json get_json(int port, const std::string& path) {
  auto r = http_get(port, path);
  EXPECT_EQ(r.status, 200) << path << ": " << r.body;
  EXPECT_EQ(r.header("content-type"), "application/json") << path;
  return json::parse(r.body);
}

// `troupe scheduler --port 0 --dashboard-port 0` and its two addresses.
struct scheduler_process {
  scheduler_process()
    : process({TROUPE_CLI_PATH, "scheduler", "--port", "0", "--dashboard-port", "0"}) {
    auto line = process.wait_for_line("troupe scheduler at ", 20s);
    if (!line)
      throw std::runtime_error("the scheduler did not start: " + process.output());
    address = line->substr(line->find("tcp://"));
    // Printed right after the scheduler's line.
    line = process.wait_for_line("troupe dashboard at ", 10s);
    if (!line)
      throw std::runtime_error("no dashboard line: " + process.output());
    link = line->substr(line->find("http://"));
    port = troupe_test::port_of_url(link);
  }
  child_process process;
  std::string address, link;
  int port = -1;
};

child_process cli_worker(const std::string& address, const std::string& name) {
  return child_process{{TROUPE_CLI_PATH, "worker", address, "--load", TROUPE_DASHBOARD_TASKLIB,
                        "--nthreads", "1", "--name", name}};
}

} // namespace

TEST(dashboard_processes, transfers_and_worker_memory_reach_the_api) {
  scheduler_process scheduler;
  ASSERT_GT(scheduler.port, 0) << scheduler.link;
  auto w0 = cli_worker(scheduler.address, "dw0");
  auto w1 = cli_worker(scheduler.address, "dw1");
  troupe::client c{scheduler.address};
  c.wait_for_workers(2, timeout);
  EXPECT_EQ(c.dashboard_link(), scheduler.link);

  // Two 4 MiB results, one on each worker; a task needs both, so one moves.
  constexpr int kib = 4096;
  auto x = c.submit(dash_blob, kib, 1);
  auto y = c.submit(dash_blob, kib, 2);
  ASSERT_TRUE(troupe::wait(std::vector<troupe::future<std::string>>{x, y}, timeout).not_done.empty());
  auto before = c.scheduler_info();
  ASSERT_EQ(before.workers.size(), 2u);
  ASSERT_EQ(before.workers[0].n_keys, 1u) << "placement should spread the two blobs";
  ASSERT_EQ(before.workers[1].n_keys, 1u) << "placement should spread the two blobs";
  auto sum = c.submit(dash_checksum, x, y);
  EXPECT_EQ(sum.get(timeout), dash_checksum(dash_blob(kib, 1), dash_blob(kib, 2)));

  // Workers report transfers and memory every 500 ms: follow the live
  // stream until both have arrived.
  troupe_test::event_stream events{scheduler.port, "/api/v1/stream?since=0"};
  ASSERT_EQ(events.status(), 200);
  auto deadline = std::chrono::steady_clock::now() + 30s;
  bool reported = false;
  json last;
  while (!reported) {
    auto e = events.next(deadline);
    ASSERT_TRUE(e) << "no transfer or worker memory reported within 30 s; last update: "
                   << last.dump().substr(0, 2000);
    last = json::parse(e->data);
    reported = last["info"]["bytes_transferred"].get<std::uint64_t>() > 0;
    for (auto& w : last["workers"]["workers"])
      reported = reported && w["rss"].get<std::uint64_t>() > 0;
  }

  auto info = get_json(scheduler.port, "/api/v1/info");
  auto moved = info["bytes_transferred"].get<std::uint64_t>();
  // One blob and its framing, not two and not nothing.
  EXPECT_GE(moved, std::uint64_t{kib} << 10);
  EXPECT_LE(moved, (std::uint64_t{kib} << 10) + 1024);
  EXPECT_EQ(info["workers"], 2);
  EXPECT_EQ(info["completed"], 3);

  auto stream = get_json(scheduler.port, "/api/v1/task-stream?since=0");
  EXPECT_EQ(stream["dropped"], 0);
  std::uint64_t transfer_bytes = 0;
  int transfers = 0;
  std::map<std::string, int> worker_of_task;  // prefix -> worker (each ran once)
  std::vector<int> transfer_workers;
  for (auto& r : stream["records"]) {
    EXPECT_GE(r[1].get<double>(), r[0].get<double>()) << r.dump();
    if (r[5] == 2) {
      ++transfers;
      transfer_bytes += r[6].get<std::uint64_t>();
      EXPECT_EQ(r[3], -1) << r.dump();
      EXPECT_EQ(r[4], -1) << r.dump();
      transfer_workers.push_back(r[2].get<int>());
    } else {
      EXPECT_EQ(r[5], 0) << r.dump();
      worker_of_task[stream["prefixes"][r[4].get<std::size_t>()].get<std::string>()] =
        r[2].get<int>();
    }
  }
  EXPECT_GE(transfers, 1);
  EXPECT_EQ(transfer_bytes, moved);
  // The bytes went to the worker that ran the checksum.
  ASSERT_TRUE(worker_of_task.count("dash_checksum")) << stream.dump().substr(0, 2000);
  for (int w : transfer_workers)
    EXPECT_EQ(w, worker_of_task["dash_checksum"]);

  auto workers = get_json(scheduler.port, "/api/v1/workers")["workers"];
  ASSERT_EQ(workers.size(), 2u);
  std::uint64_t received = 0;
  for (auto& w : workers) {
    EXPECT_GT(w["rss"].get<std::uint64_t>(), 0u) << w.dump();
    // A worker process holds at least its 4 MiB blob.
    EXPECT_GE(w["rss"].get<std::uint64_t>(), std::uint64_t{kib} << 10) << w.dump();
    received += w["bytes_received"].get<std::uint64_t>();
    EXPECT_FALSE(w["address"].get<std::string>().empty()) << w.dump();
  }
  EXPECT_EQ(received, moved);

  auto metrics = http_get(scheduler.port, "/metrics").body;
  EXPECT_NE(metrics.find("troupe_transfer_bytes_total " + std::to_string(moved) + "\n"),
            std::string::npos)
    << metrics;
}

TEST(dashboard_processes, no_dashboard_means_no_line_and_no_link) {
  child_process scheduler{{TROUPE_CLI_PATH, "scheduler", "--port", "0", "--no-dashboard"}};
  auto line = scheduler.wait_for_line("troupe scheduler at ", 20s);
  ASSERT_TRUE(line) << scheduler.output();
  auto address = line->substr(line->find("tcp://"));
  {
    troupe::client c{address};
    EXPECT_EQ(c.dashboard_link(), "");
    EXPECT_EQ(c.scheduler_info().dashboard_link, "");
  }
  scheduler.signal(SIGTERM);
  auto code = scheduler.wait(20s);
  ASSERT_TRUE(code) << "the scheduler did not stop on SIGTERM";
  EXPECT_EQ(*code, 0) << scheduler.output();
  auto output = scheduler.output();
  EXPECT_EQ(output.find("dashboard at"), std::string::npos) << output;
}

TEST(dashboard_processes, a_dashboard_port_out_of_range_is_refused_naming_the_option) {
  child_process scheduler{
    {TROUPE_CLI_PATH, "scheduler", "--port", "0", "--dashboard-port", "70000"}};
  auto code = scheduler.wait(20s);
  ASSERT_TRUE(code) << "still running: " << scheduler.output();
  EXPECT_NE(*code, 0);
  auto output = scheduler.output();
  EXPECT_NE(output.find("--dashboard-port"), std::string::npos) << output;
  EXPECT_NE(output.find("70000"), std::string::npos) << output;
  EXPECT_EQ(output.find("troupe scheduler at"), std::string::npos) << output;
}
