// The batch plugin against the real single-node Slurm the suite starts
// (tests/batch_systems/, fixture `slurm`). Workers are Slurm jobs running
// this very program (troupe::init in batch_systems_main.cpp). Every wait
// has a deadline.
#include <gtest/gtest.h>

#include <algorithm>
#include <cstdlib>
#include <fcntl.h>
#include <fstream>
#include <numeric>
#include <set>
#include <sstream>
#include <string>
#include <thread>
#include <unistd.h>
#include <vector>

#include <troupe/troupe.hpp>

#include "batch_system_support.hpp"

using namespace batch_test;
using namespace std::chrono_literals;

namespace {

long cube(long x) { return x * x * x; }
TROUPE_TASK(cube);

// 20 ms of work: a graph of these is still running when a job is killed.
long slow_cube(long x) {
  std::this_thread::sleep_for(20ms);
  return x * x * x;
}
TROUPE_TASK(slow_cube);

// One step of a long chain: 150 ms of work, and one line per run in the
// file $TROUPE_TEST_RUN_LOG, so the test counts how often steps ran.
long slow_step(long acc, long i) {
  std::this_thread::sleep_for(150ms);
  auto path = env("TROUPE_TEST_RUN_LOG");
  if (!path.empty()) {
    int fd = ::open(path.c_str(), O_WRONLY | O_APPEND | O_CREAT | O_CLOEXEC, 0600);
    if (fd >= 0) {
      auto line = std::to_string(i) + "\n";  // one write: O_APPEND keeps lines whole
      [[maybe_unused]] auto n = ::write(fd, line.data(), line.size());
      ::close(fd);
    }
  }
  return acc + i;
}
TROUPE_TASK(slow_step);

troupe::cluster_options slurm_options(const std::string& job_name) {
  return {{"system", std::string{"slurm"}},
          {"cores", std::int64_t{1}},
          {"memory", std::string{"256 MiB"}},
          {"queue", std::string{"debug"}},
          {"walltime", std::string{"00:10:00"}},
          {"job_name", job_name},
          {"log_directory", slurm_dir() + "/troupe-batch-logs"}};
}

// The Slurm job id in a worker name JOBNAME-JOBID-INDEX.
std::string job_of(const std::string& worker) {
  auto end = worker.rfind('-');
  auto begin = worker.rfind('-', end - 1);
  return worker.substr(begin + 1, end - begin - 1);
}

std::set<std::string> jobs_of(const troupe::cluster& c) {
  std::set<std::string> ids;
  for (auto& w : c.status().workers)
    ids.insert(job_of(w.name));
  return ids;
}

class batch_slurm : public ::testing::Test {
protected:
  void SetUp() override {
    ASSERT_FALSE(slurm_dir().empty()) << "TROUPE_SLURM_DIR is not set: run through ctest";
    ASSERT_TRUE(slurm_queue().empty()) << "the fixture's queue is not empty at the start";
  }
  // After close(): no job in the queue, no worker process of ours.
  void expect_nothing_left(const std::string& job_name) {
    EXPECT_TRUE(slurm_queue().empty()) << "jobs left in the queue after close()";
    // slurmd reaps a job's processes before squeue stops listing it; allow
    // the last exit a moment to be seen in /proc.
    EXPECT_TRUE(wait_until([&] { return processes_with(job_name + "-").empty(); }, 5s))
      << processes_with(job_name + "-").size() << " worker or scheduler processes left";
  }
};

TEST_F(batch_slurm, two_jobs_connect_compute_an_array_and_close_leaves_no_job_or_process) {
  auto job = unique_job_name("troupe-t");
  auto [interface, address] = outside_interface();
  auto opts = slurm_options(job);
  opts.values["interface"] = interface;
  auto t0 = std::chrono::steady_clock::now();
  {
    troupe::cluster cluster{"batch", opts, 120s};
    // The scheduler listens where jobs on other nodes would reach it.
    EXPECT_EQ(cluster.scheduler_address().rfind("tcp://" + address + ":", 0), 0u)
      << cluster.scheduler_address() << " is not on " << interface;
    cluster.scale(2, 120s);
    std::printf("scale(2) to two connected workers: %.2f s\n", since(t0));
    auto info = cluster.info();
    ASSERT_EQ(info.workers.size(), 2u);
    for (auto& w : info.workers) {
      EXPECT_EQ(w.name.rfind(job + "-", 0), 0u) << w.name;
      EXPECT_EQ(w.data_address.rfind(address + ":", 0), 0u) << w.data_address;
    }
    EXPECT_EQ(slurm_queue().size(), 2u);
    ASSERT_TRUE(wait_until([&] { return cluster.status().count("running") == 2; }, 10s));
    std::ostringstream printed;
    printed << cluster;
    EXPECT_NE(printed.str().find("batch workers: requested 2, running 2"), std::string::npos)
      << printed.str();

    troupe::client client{cluster};
    // Seed 000's expression on a smaller array, against plain loops.
    auto x = troupe::random::uniform({240, 240}, {60, 60}, 0.0, 1.0, {.seed = 7});
    auto dense = x.compute(client);
    auto z = (x + x.T())["::2, 40:"].mean(1).compute(client);
    ASSERT_EQ(z.size(), 120u);
    for (int i = 0; i < 120; ++i) {
      double acc = 0;
      for (int j = 40; j < 240; ++j)
        acc += dense(2 * i, j) + dense(j, 2 * i);
      ASSERT_NEAR(z(i), acc / 200, 1e-12) << "row " << i;
    }
    std::vector<long> xs(500);
    std::iota(xs.begin(), xs.end(), 0L);
    auto got = client.gather(client.map(cube, xs));
    for (long v : xs)
      ASSERT_EQ(got[static_cast<std::size_t>(v)], v * v * v);
    client.close();
    auto t1 = std::chrono::steady_clock::now();
    cluster.close();
    std::printf("close() to an empty queue: %.2f s\n", since(t1));
  }
  expect_nothing_left(job);
}

TEST_F(batch_slurm, scale_down_cancels_the_newest_job_and_keeps_every_result) {
  auto job = unique_job_name("troupe-t");
  {
    troupe::cluster cluster{"batch", slurm_options(job), 120s};
    cluster.scale(2, 120s);
    troupe::client client{cluster};
    std::vector<long> xs(200);
    std::iota(xs.begin(), xs.end(), 0L);
    auto futures = client.map(cube, xs);
    client.gather(futures);  // results now on both workers
    auto completed = cluster.info().completed;
    auto jobs = jobs_of(cluster);
    ASSERT_EQ(jobs.size(), 2u);
    auto oldest = std::min_element(jobs.begin(), jobs.end(), [](auto& a, auto& b) {
      return std::stol(a) < std::stol(b);
    });
    cluster.scale(1, 60s);
    EXPECT_TRUE(wait_until([&] { return slurm_queue() == std::vector<std::string>{*oldest}; }, 30s))
      << "the queue should hold only the older job " << *oldest;
    EXPECT_EQ(cluster.info().workers.size(), 1u);
    // The retired worker handed its results over: nothing ran again.
    auto again = client.gather(futures);
    for (long v : xs)
      ASSERT_EQ(again[static_cast<std::size_t>(v)], v * v * v);
    EXPECT_EQ(cluster.info().completed, completed);
    cluster.scale(0, 60s);
    EXPECT_TRUE(wait_until([] { return slurm_queue().empty(); }, 30s));
    EXPECT_EQ(cluster.info().workers.size(), 0u);
    client.close();
  }
  expect_nothing_left(job);
}

TEST_F(batch_slurm, a_job_killed_with_scancel_mid_graph_loses_nothing) {
  auto job = unique_job_name("troupe-t");
  {
    troupe::cluster cluster{"batch", slurm_options(job), 120s};
    cluster.scale(2, 120s);
    troupe::client client{cluster};
    std::vector<long> xs(300);  // 6 s of work on two workers
    std::iota(xs.begin(), xs.end(), 0L);
    auto futures = client.map(slow_cube, xs);
    ASSERT_TRUE(wait_until([&] { return cluster.info().completed >= 60; }, 60s));
    auto jobs = jobs_of(cluster);
    ASSERT_EQ(jobs.size(), 2u);
    auto victim = *std::max_element(jobs.begin(), jobs.end(), [](auto& a, auto& b) {
      return std::stol(a) < std::stol(b);
    });
    ASSERT_EQ(std::system(("scancel " + victim).c_str()), 0);
    auto got = client.gather(futures);
    for (long v : xs)
      ASSERT_EQ(got[static_cast<std::size_t>(v)], v * v * v);
    // The plugin saw the job go; without a walltime it is not replaced.
    EXPECT_TRUE(wait_until([&] { return cluster.status().count("running") == 1; }, 30s));
    EXPECT_EQ(slurm_queue().size(), 1u);
    client.close();
  }
  expect_nothing_left(job);
}

TEST_F(batch_slurm, a_job_that_cannot_start_in_a_bad_queue_is_a_clear_error) {
  auto opts = slurm_options(unique_job_name("troupe-t"));
  opts.values["queue"] = std::string{"nosuchpartition"};
  troupe::cluster cluster{"batch", opts, 60s};
  try {
    cluster.scale(1, 60s);
    FAIL() << "scale(1) into a partition that does not exist succeeded";
  } catch (const troupe::error& e) {
    std::string what = e.what();
    EXPECT_NE(what.find("sbatch"), std::string::npos) << what;
    EXPECT_NE(what.find("nosuchpartition"), std::string::npos) << what;
    EXPECT_NE(what.find("nvalid partition"), std::string::npos) << what;  // Slurm's own words
  }
  EXPECT_TRUE(slurm_queue().empty());
}

// adapt() through the batch plugin: jobs are submitted under load and
// cancelled when idle, through the same scale calls as by hand. Minimum 0:
// once the results are released, no job is left.
TEST_F(batch_slurm, adapt_submits_jobs_under_load_and_cancels_them_when_idle) {
  auto job = unique_job_name("troupe-t");
  {
    troupe::cluster cluster{"batch", slurm_options(job), 120s};
    cluster.adapt({.minimum = 0, .maximum = 2, .target_duration = 1s, .interval = 200ms,
                   .wait_count = 3});
    troupe::client client{cluster};
    std::vector<long> xs(300);  // 6 s of work, estimated 150 s at first: the maximum
    std::iota(xs.begin(), xs.end(), 0L);
    auto futures = client.map(slow_cube, xs);
    EXPECT_TRUE(wait_until([&] { return cluster.info().workers.size() == 2; }, 60s));
    EXPECT_EQ(slurm_queue().size(), 2u);
    auto got = client.gather(futures);
    for (long v : xs)
      ASSERT_EQ(got[static_cast<std::size_t>(v)], v * v * v);
    // Idle but holding results: down to one job, which keeps them all.
    EXPECT_TRUE(wait_until([&] { return slurm_queue().size() == 1; }, 30s));
    EXPECT_EQ(cluster.info().memory, 300u);
    EXPECT_EQ(cluster.info().completed, 300u);  // none ran twice
    futures.clear();  // released: nothing to keep
    EXPECT_TRUE(wait_until([] { return slurm_queue().empty(); }, 30s));
    client.close();
  }
  expect_nothing_left(job);
}

// A job whose worker cannot start: the job fails (the script exits with
// the worker's status), and scale() stops waiting at once with the reason
// from the job's log instead of running into its timeout.
TEST_F(batch_slurm, a_worker_that_cannot_start_fails_scale_with_the_tail_of_its_log) {
  auto opts = slurm_options(unique_job_name("troupe-t"));
  // One item per line: sh -c SCRIPT, then the worker's usual arguments.
  opts.values["worker_command"] =
    std::string{"/bin/sh\n-c\necho 'worker: cannot load module no-such-module-xyz' >&2; exit 3"};
  troupe::cluster cluster{"batch", opts, 60s};
  try {
    cluster.scale(1, 120s);
    FAIL() << "scale(1) succeeded with a worker that exits at once";
  } catch (const troupe::timeout_error& e) {
    FAIL() << "scale(1) ran into its timeout instead of reporting the failure: " << e.what();
  } catch (const troupe::error& e) {
    std::string what = e.what();
    EXPECT_NE(what.find("failed before they connected"), std::string::npos) << what;
    EXPECT_NE(what.find("cannot load module no-such-module-xyz"), std::string::npos) << what;
  }
  EXPECT_EQ(cluster.status().count("failed"), 1u);
}

// scheduler_placement = "job": the scheduler is a Slurm job of its own, this
// process only its client; close() stops it and leaves nothing behind.
TEST_F(batch_slurm, the_scheduler_runs_as_a_job_of_its_own) {
  auto job = unique_job_name("troupe-t");
  auto opts = slurm_options(job);
  opts.values["scheduler_placement"] = std::string{"job"};
  {
    auto t0 = std::chrono::steady_clock::now();
    troupe::cluster cluster{"batch", opts, 120s};
    std::printf("scheduler job to its address: %.2f s\n", since(t0));
    auto listed = lines_of("squeue --noheader --format=%j");
    ASSERT_EQ(listed, std::vector<std::string>{job + "-scheduler"});
    // Its process is a job's, not ours: it serves at an address it chose.
    ASSERT_EQ(processes_with(job + "-scheduler-").size(), 1u);
    EXPECT_NE(processes_with(job + "-scheduler-")[0], ::getpid());
    // One worker: the fixture's node may have only two CPUs, one of them
    // now the scheduler's.
    cluster.scale(1, 120s);
    EXPECT_EQ(slurm_queue().size(), 2u);
    auto info = cluster.info();
    EXPECT_EQ(info.workers.size(), 1u);
    EXPECT_EQ(info.scheduler_address, cluster.scheduler_address());
    EXPECT_FALSE(info.dashboard_link.empty());  // the scheduler job serves it
    troupe::client client{cluster};
    std::vector<long> xs(300);
    std::iota(xs.begin(), xs.end(), 0L);
    auto got = client.gather(client.map(cube, xs));
    for (long v : xs)
      ASSERT_EQ(got[static_cast<std::size_t>(v)], v * v * v);
    client.close();
  }
  expect_nothing_left(job);
}

// A computation longer than one job's lifetime: workers retire before the
// walltime, their results move to the others, the plugin submits
// replacements, and no step runs twice.
TEST_F(batch_slurm, workers_retire_before_the_walltime_and_are_replaced_without_recomputation) {
  auto job = unique_job_name("troupe-t");
  auto log = slurm_dir() + "/runs-" + std::to_string(::getpid()) + ".log";
  std::remove(log.c_str());
  auto opts = slurm_options(job);
  opts.values["walltime"] = std::string{"00:01:00"};
  opts.values["walltime_margin"] = std::string{"40 s"};  // lifetime 20 s, stagger 8 s
  opts.values["env"] = "TROUPE_TEST_RUN_LOG=" + log;
  constexpr long chains = 2, steps = 200;  // 2 x 30 s of steps
  {
    troupe::cluster cluster{"batch", opts, 120s};
    EXPECT_NE(cluster.job_script().find(" --lifetime 20 --lifetime-stagger 8 &"),
              std::string::npos)
      << cluster.job_script();
    cluster.scale(2, 120s);
    troupe::client client{cluster};
    auto step = troupe::delay(slow_step);
    std::vector<troupe::delayed<long>> ends;
    for (long c = 0; c < chains; ++c) {
      auto acc = step(0L, c * 1000);
      for (long i = 1; i < steps; ++i)
        acc = step(acc, c * 1000 + i);
      ends.push_back(acc);
    }
    auto t0 = std::chrono::steady_clock::now();
    auto got = client.gather(client.compute(ends));
    double took = since(t0);
    for (long c = 0; c < chains; ++c) {
      long want = 0;
      for (long i = 0; i < steps; ++i)
        want += c * 1000 + i;
      EXPECT_EQ(got[static_cast<std::size_t>(c)], want) << "chain " << c;
    }
    auto jobs = jobs_of(cluster);
    std::printf("%ld steps in %.1f s on %zu jobs of 20 s lifetime\n", chains * steps, took,
                jobs.size());
    EXPECT_GT(took, 20.0) << "the computation should outlive a job's lifetime";
    EXPECT_GE(jobs.size(), 3u) << "no job was replaced";
    std::ifstream in{log};
    std::vector<long> ran;
    for (long v; in >> v;)
      ran.push_back(v);
    EXPECT_EQ(ran.size(), static_cast<std::size_t>(chains * steps))
      << "steps ran " << ran.size() << " times for " << chains * steps << " steps";
    std::sort(ran.begin(), ran.end());
    EXPECT_EQ(std::adjacent_find(ran.begin(), ran.end()), ran.end()) << "a step ran twice";
    client.close();
  }
  expect_nothing_left(job);
}

}  // namespace
