// A scheduler and worker processes over TCP on 127.0.0.1: results, moves
// between workers, a worker killed mid-graph, shutdown without orphans.
#include <csignal>
#include <fstream>
#include <future>
#include <iostream>
#include <set>
#include <numeric>
#include <thread>

#include <gtest/gtest.h>
#include <unistd.h>

#include "process_cluster.hpp"
#include "troupe/troupe.hpp"
#include "troupe/init.hpp"

namespace {

int square(int x) { return x * x; }
int add(int a, int b) { return a + b; }
int pid_of_worker(int) { return static_cast<int>(::getpid()); }

// A result of `mib` MiB whose bytes depend on `seed`.
std::string blob(int mib, int seed) {
  std::string s(static_cast<std::size_t>(mib) << 20, '\0');
  for (std::size_t i = 0; i < s.size(); i += 4096)
    s[i] = static_cast<char>(seed + static_cast<int>(i / 4096));
  return s;
}
// Sizes and a checksum of two inputs: proves both arrived whole.
std::uint64_t checksum(const std::string& a, const std::string& b) {
  std::uint64_t h = a.size() * 1000003 + b.size();
  for (std::size_t i = 0; i < a.size(); i += 4096)
    h = h * 31 + static_cast<unsigned char>(a[i]);
  for (std::size_t i = 0; i < b.size(); i += 4096)
    h = h * 31 + static_cast<unsigned char>(b[i]);
  return h;
}
// A task that takes a while, so a worker can be killed while running it.
int slow_inc(int x) {
  std::this_thread::sleep_for(std::chrono::milliseconds(20));
  return x + 1;
}
int sum_two(int a, int b) { return a + b; }

TROUPE_TASK(square, add, pid_of_worker, blob, checksum, slow_inc, sum_two);

using troupe_test::process_cluster;
constexpr auto timeout = std::chrono::seconds(60);

TEST(distributed, map_runs_on_worker_processes) {
  process_cluster pc{3};
  troupe::client c{pc.address};
  c.wait_for_workers(3, timeout);
  std::vector<int> xs(2000);
  std::iota(xs.begin(), xs.end(), 0);
  auto squares = c.map(square, xs);
  auto got = c.gather(squares, timeout);
  for (int i = 0; i < 2000; ++i)
    ASSERT_EQ(got[i], i * i);
  // The work really ran in other processes, on more than one of them.
  std::vector<int> ids(60);
  std::iota(ids.begin(), ids.end(), 0);
  auto pids = c.gather(c.map(pid_of_worker, ids), timeout);
  std::set<int> distinct(pids.begin(), pids.end());
  EXPECT_EQ(distinct.count(static_cast<int>(::getpid())), 0u);
  EXPECT_GE(distinct.size(), 2u);
}

TEST(distributed, graph_edges_cross_processes) {
  process_cluster pc{2};
  troupe::client c{pc.address};
  c.wait_for_workers(2, timeout);
  auto a = c.submit(square, 7);
  auto b = c.submit(square, 5);
  auto total = c.submit(add, a, b);
  EXPECT_EQ(total.get(timeout), 49 + 25);
}

// Array code runs on worker processes unchanged: chunks cross processes
// (x + x.T pairs chunks made on different workers) and the result has the
// same bits as on threads of one process, and matches plain loops.
TEST(distributed, arrays_on_worker_processes_match_threads_and_loops) {
  auto build = [] {
    auto x = troupe::random::uniform({300, 300}, {100, 60}, 0.0, 1.0, {.seed = 7});
    return (x + x.T())["::2, 50:"].sum(1);
  };
  troupe::ndarray<double> local_result, dense;
  {
    troupe::local_cluster threads{{.n_workers = 2, .threads_per_worker = 1}};
    troupe::client c{threads};
    local_result = build().compute(c);
    dense = troupe::random::uniform({300, 300}, {100, 60}, 0.0, 1.0, {.seed = 7}).compute(c);
  }
  process_cluster pc{2};
  troupe::client c{pc.address};
  c.wait_for_workers(2, timeout);
  auto remote = build().compute(c);
  ASSERT_EQ(remote.shape(), local_result.shape());
  EXPECT_EQ(remote.values(), local_result.values());
  for (std::int64_t i = 0; i < 150; ++i) {
    double expected = 0;
    for (std::int64_t j = 50; j < 300; ++j)
      expected += dense(2 * i, j) + dense(j, 2 * i);
    EXPECT_NEAR(remote(i), expected, 1e-9) << "row " << i;
  }
}

// Two large results made on two workers meet in one task: one input moves
// worker to worker over the data path. The scheduler's memory never grows by
// the size of a result, so the bytes did not pass through it.
TEST(distributed, inputs_move_worker_to_worker_not_through_scheduler) {
  process_cluster pc{2};
  troupe::client c{pc.address};
  c.wait_for_workers(2, timeout);
  auto before = troupe_test::peak_rss(pc.scheduler->pid());
  auto x = c.submit(blob, 48, 1);
  auto y = c.submit(blob, 48, 2);
  troupe::wait(std::vector<troupe::future<std::string>>{x, y}, timeout);
  auto info = c.scheduler_info();
  ASSERT_EQ(info.workers.size(), 2u);
  // One result on each worker (placement spreads equal work).
  EXPECT_EQ(info.workers[0].n_keys, 1u);
  EXPECT_EQ(info.workers[1].n_keys, 1u);
  auto sum = c.submit(checksum, x, y);
  EXPECT_EQ(sum.get(timeout), checksum(blob(48, 1), blob(48, 2)));
  auto after = troupe_test::peak_rss(pc.scheduler->pid());
  EXPECT_LT(after - before, 16u << 20) << "the scheduler's peak memory grew by "
                                       << (after - before) << " bytes";
  // The consuming worker now holds both inputs (it fetched one).
  auto moved = c.scheduler_info();
  std::uint64_t most = 0;
  for (auto& w : moved.workers)
    most = std::max(most, w.managed_bytes);
  EXPECT_GE(most, 96ull << 20);
  // And the client gets a large result straight from a worker.
  EXPECT_EQ(x.get(timeout), blob(48, 1));
}

// SIGKILL a worker in the middle of a graph: its running tasks move, the
// results only it held are recomputed, and the answer is right.
TEST(distributed, sigkill_a_worker_mid_graph_gives_the_right_answer) {
  process_cluster pc{3};
  troupe::client c{pc.address};
  c.wait_for_workers(3, timeout);
  std::vector<int> xs(300);
  std::iota(xs.begin(), xs.end(), 0);
  auto incs = c.map(slow_inc, xs);
  // A reduction tree over the increments: every level depends on results
  // spread over all workers, including the one about to die.
  std::vector<troupe::future<int>> level = incs;
  while (level.size() > 1) {
    std::vector<troupe::future<int>> next;
    for (std::size_t i = 0; i + 1 < level.size(); i += 2)
      next.push_back(c.submit(sum_two, level[i], level[i + 1]));
    if (level.size() % 2)
      next.push_back(level.back());
    level.swap(next);
  }
  std::size_t finished = 0;
  for (auto& f : troupe::as_completed(incs, timeout)) {
    (void)f;
    if (++finished == 60)
      break;
  }
  pc.workers[1]->signal(SIGKILL);
  EXPECT_EQ(level[0].get(timeout), 300 * 301 / 2);
  auto info = c.scheduler_info();
  EXPECT_EQ(info.workers.size(), 2u);
  EXPECT_EQ(info.erred, 0u);
}

// A hung worker (SIGSTOP) sends no heartbeats: the scheduler drops it after
// [scheduler] worker_timeout (2 s) and its work runs elsewhere.
TEST(distributed, a_hung_worker_is_dropped_and_its_work_runs_elsewhere) {
  process_cluster pc{2};
  troupe::client c{pc.address};
  c.wait_for_workers(2, timeout);
  std::vector<int> xs(100);
  std::iota(xs.begin(), xs.end(), 0);
  auto warm = c.gather(c.map(square, xs), timeout);  // both workers hold results
  pc.workers[0]->signal(SIGSTOP);
  auto t0 = std::chrono::steady_clock::now();
  auto fs = c.map(slow_inc, xs);
  std::vector<int> got = c.gather(fs, timeout);
  for (int i = 0; i < 100; ++i)
    ASSERT_EQ(got[i], i + 1);
  EXPECT_EQ(c.scheduler_info().workers.size(), 1u);
  // Noticed within the 2 s timeout plus a heartbeat, not after minutes.
  EXPECT_LT(std::chrono::steady_clock::now() - t0, std::chrono::seconds(10));
  pc.workers[0]->signal(SIGKILL);
}

// A client process that dies has its work released: nothing of it is left
// waiting, queued or held.
TEST(distributed, a_client_that_dies_has_its_work_released) {
  process_cluster pc{1};
  troupe::client watcher{pc.address};
  watcher.wait_for_workers(1, timeout);
  troupe_test::child_process doomed{{troupe_test::self_exe(), "--submit-and-hang", pc.address}};
  ASSERT_TRUE(doomed.wait_for_line("submitted", std::chrono::seconds(30))) << doomed.output();
  auto busy = watcher.scheduler_info();
  EXPECT_GT(busy.waiting + busy.ready + busy.processing + busy.memory, 100u);
  doomed.signal(SIGKILL);
  auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(30);
  troupe::cluster_info info;
  do {  // each iteration is a request to the scheduler: no sleep needed
    info = watcher.scheduler_info();
  } while (info.waiting + info.ready + info.processing + info.memory > 0
           && std::chrono::steady_clock::now() < deadline);
  EXPECT_EQ(info.waiting + info.ready + info.processing + info.memory, 0u);
  EXPECT_EQ(info.workers.at(0).n_keys, 0u);
}

// A worker built from other task code (here: the CLI, which has none) gets a
// warning in the client naming both builds.
TEST(distributed, a_client_warns_about_a_worker_built_from_other_code) {
  process_cluster pc{0};
  pc.add_cli_worker();
  troupe_test::child_process client{{troupe_test::self_exe(), "--connect-once", pc.address}};
  ASSERT_EQ(client.wait(std::chrono::seconds(60)), 0) << client.output();
  auto out = client.output();
  EXPECT_NE(out.find("worker 'cli0' was built from different task code (build "),
            std::string::npos) << out;
  EXPECT_NE(out.find("than this client (build " + troupe::build_identity() + ")"),
            std::string::npos) << out;
}

TEST(distributed, scheduler_stop_stops_every_worker) {
  process_cluster pc{2};
  {
    troupe::client c{pc.address};
    c.wait_for_workers(2, timeout);
    EXPECT_EQ(c.submit(square, 3).get(timeout), 9);
  }
  pc.scheduler->signal(SIGTERM);
  EXPECT_EQ(pc.scheduler->wait(std::chrono::seconds(20)), 0);
  for (auto& w : pc.workers)
    EXPECT_EQ(w->wait(std::chrono::seconds(20)), 0) << w->output();
}

TEST(distributed, worker_gives_up_on_a_vanished_scheduler) {
  process_cluster pc{0};
  auto& w = pc.add_worker({"--reconnect-timeout", "1 s"});
  {
    troupe::client c{pc.address};
    c.wait_for_workers(1, timeout);
  }
  pc.scheduler->signal(SIGKILL);
  auto code = w.wait(std::chrono::seconds(30));
  ASSERT_TRUE(code.has_value()) << "the worker outlived its scheduler";
  EXPECT_EQ(*code, 3);
  EXPECT_NE(w.output().find("cannot reach a scheduler"), std::string::npos) << w.output();
}

// The scheduler dies and a new one starts at the same address: pending
// futures are cancelled, the client reconnects on its next call, and the
// workers (retrying for their reconnect timeout) join the new scheduler.
TEST(distributed, client_and_workers_reconnect_to_a_restarted_scheduler) {
  process_cluster pc{1};
  troupe::client c{pc.address};
  c.wait_for_workers(1, timeout);
  EXPECT_EQ(c.submit(square, 6).get(timeout), 36);
  std::vector<int> xs(2000);
  std::iota(xs.begin(), xs.end(), 0);
  auto slow = c.map(slow_inc, xs);  // 40 s of work: still pending below
  pc.scheduler->signal(SIGKILL);
  EXPECT_THROW(slow.back().get(timeout), troupe::cancelled_error);
  auto port = pc.address.substr(pc.address.rfind(':') + 1);
  troupe_test::child_process again{{TROUPE_CLI_PATH, "scheduler", "--port", port}};
  ASSERT_TRUE(again.wait_for_line("troupe scheduler at", std::chrono::seconds(20)))
    << again.output();
  EXPECT_EQ(c.submit(square, 7).get(timeout), 49);
  c.wait_for_workers(1, timeout);
  EXPECT_EQ(c.scheduler_info().workers.at(0).name, "w0");
}

TEST(distributed, client_to_nothing_fails_clearly) {
  try {
    troupe::client c{"tcp://127.0.0.1:1", std::chrono::milliseconds(300)};
    FAIL() << "connected to nothing";
  } catch (const troupe::connection_error& e) {
    EXPECT_NE(std::string{e.what()}.find("tcp://127.0.0.1:1"), std::string::npos) << e.what();
  }
  EXPECT_THROW(troupe::client{"http://127.0.0.1:80"}, troupe::config_error);
  EXPECT_THROW(troupe::client{"tcp://127.0.0.1"}, troupe::config_error);
}

// Dask's LocalCluster(processes=True): the `local` plugin starts this
// executable as worker processes.
TEST(process_cluster_facade, local_cluster_with_processes_runs_and_scales) {
  troupe::local_cluster cluster{{.n_workers = 2, .threads_per_worker = 1, .processes = true}};
  auto c = cluster.get_client();
  EXPECT_EQ(cluster.info().workers.size(), 2u);
  std::vector<int> xs(500);
  std::iota(xs.begin(), xs.end(), 0);
  auto fs = c.map(square, xs);
  auto got = c.gather(fs, timeout);
  for (int i = 0; i < 500; ++i)
    ASSERT_EQ(got[i], i * i);
  cluster.scale(3);
  EXPECT_EQ(cluster.info().workers.size(), 3u);
  // Retiring moves results first: the futures still resolve, nothing lost.
  cluster.scale(1);
  auto info = cluster.info();
  ASSERT_EQ(info.workers.size(), 1u);
  EXPECT_EQ(info.memory, 500u);
  auto again = c.gather(fs, timeout);
  EXPECT_EQ(again, got);
  // At once up again: the exits of the two retired processes, reported
  // meanwhile, are not failures of the workers this scale waits for.
  cluster.scale(3);
  EXPECT_EQ(cluster.info().workers.size(), 3u);
  cluster.scale(1);
  std::vector<int> one{0};
  auto pids = c.gather(c.map(pid_of_worker, one), timeout);
  EXPECT_NE(pids[0], static_cast<int>(::getpid()));
}

// adapt() through a plugin: the scheduler asks, the local plugin starts and
// stops worker processes. Up under load, down when idle, nothing recomputed
// (the scheduler's count of completed tasks is exactly the number of tasks).
TEST(process_cluster_facade, adapt_starts_and_stops_worker_processes) {
  using namespace std::chrono_literals;
  troupe::cluster cluster{"local", {{"n_workers", 1}, {"threads_per_worker", 1}}};
  cluster.adapt({.minimum = 1, .maximum = 3, .target_duration = 1s, .interval = 100ms,
                 .wait_count = 3});
  auto c = cluster.get_client();
  auto wait_for = [&](std::size_t n) {  // polls the scheduler, 60 s at most
    auto deadline = std::chrono::steady_clock::now() + 60s;
    while (cluster.info().workers.size() != n && std::chrono::steady_clock::now() < deadline)
      std::this_thread::yield();
    return cluster.info().workers.size();
  };
  std::vector<int> xs(150);  // 20 ms each: 3 s of work, estimated 75 s at first
  std::iota(xs.begin(), xs.end(), 0);
  auto fs = c.map(slow_inc, xs);
  EXPECT_EQ(wait_for(3), 3u);
  auto got = c.gather(fs, timeout);
  for (int i = 0; i < 150; ++i)
    ASSERT_EQ(got[static_cast<std::size_t>(i)], i + 1);
  EXPECT_EQ(wait_for(1), 1u);
  auto info = cluster.info();
  EXPECT_EQ(info.memory, 150u);     // every result on the one worker left
  EXPECT_EQ(info.completed, 150u);  // none ran twice
  EXPECT_EQ(c.gather(fs, timeout), got);
  EXPECT_EQ(cluster.status().count("running"), 1u);  // the plugin stopped the others
}

TEST(process_cluster_facade, cluster_from_plugin_name_and_from_config) {
  {
    troupe::cluster cluster{"local", {{"n_workers", 2}}};
    auto c = cluster.get_client();
    EXPECT_EQ(c.submit(add, 20, 22).get(timeout), 42);
    EXPECT_EQ(cluster.info().workers.size(), 2u);
  }
  std::string path = ::testing::TempDir() + "/troupe_cluster_profile.toml";
  std::ofstream{path} << "[cluster.small]\nplugin = \"local\"\nn_workers = 1\n"
                         "threads_per_worker = 2\n";
  auto cluster = troupe::cluster::from_config(path);
  auto info = cluster.info();
  ASSERT_EQ(info.workers.size(), 1u);
  EXPECT_EQ(info.workers[0].nthreads, 2u);
  auto c = cluster.get_client();
  EXPECT_EQ(c.submit(square, 12).get(timeout), 144);
}

TEST(process_cluster_facade, bad_options_and_profiles_are_named) {
  try {
    troupe::cluster cluster{"local", {{"n_wrokers", 2}}};
    FAIL() << "accepted an unknown option";
  } catch (const troupe::config_error& e) {
    EXPECT_NE(std::string{e.what()}.find("n_wrokers"), std::string::npos) << e.what();
  }
  std::string path = ::testing::TempDir() + "/troupe_two_profiles.toml";
  std::ofstream{path} << "[cluster.a]\nplugin = \"local\"\n[cluster.b]\nplugin = \"local\"\n";
  try {
    troupe::cluster::from_config(path, "c");
    FAIL() << "found a missing profile";
  } catch (const troupe::config_error& e) {
    EXPECT_NE(std::string{e.what()}.find("a, b"), std::string::npos) << e.what();
  }
  EXPECT_THROW(troupe::cluster{"no-such-plugin"}, troupe::config_error);
}

} // namespace

// A client that submits work and then hangs until it is killed.
int submit_and_hang(const std::string& address) {
  troupe::client c{address};
  std::vector<int> xs(200);
  std::iota(xs.begin(), xs.end(), 0);
  auto fs = c.map(slow_inc, xs);
  auto total = c.submit(sum_two, fs[0], fs[1]);
  c.sync();
  std::cout << "submitted" << std::endl;
  std::promise<void>().get_future().wait();  // until SIGKILL
  return 0;
}

// A client that connects, learns the workers, and leaves.
int connect_once(const std::string& address) {
  troupe::client c{address};
  c.wait_for_workers(1, timeout);
  std::cout << "connected" << std::endl;
  return 0;
}

int main(int argc, char** argv) {
  troupe::init(argc, argv);  // as a worker process: serves, then exits
  if (argc == 3 && std::string{argv[1]} == "--connect-once")
    return connect_once(argv[2]);
  if (argc == 3 && std::string{argv[1]} == "--submit-and-hang")
    return submit_and_hang(argv[2]);
  ::testing::InitGoogleTest(&argc, argv);
  return RUN_ALL_TESTS();
}
