// The batch plugin against the real single-node Slurm and Grid Engine the
// suite starts (tests/batch_systems/, fixtures `slurm` and `sge`): workers are
// jobs running this very program (troupe::init in main), so the test has its
// own main. Every wait has a deadline.
#include <gtest/gtest.h>

#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <numeric>
#include <string>
#include <vector>

#include <troupe/troupe.hpp>

namespace {

long cube(long x) { return x * x * x; }
TROUPE_TASK(cube);

std::string env(const char* name) {
  const char* d = std::getenv(name);
  return d ? d : "";
}

std::string state_dir() { return env("TROUPE_SLURM_DIR"); }

// The job ids squeue lists (all of them: the fixture's queue is ours alone,
// the fixture's RESOURCE_LOCK keeps other tests out).
std::vector<std::string> queued_jobs(const char* command = "squeue --noheader --format=%i 2>&1") {
  std::vector<std::string> ids;
  FILE* p = ::popen(command, "r");
  if (!p)
    return {"<popen failed>"};
  char line[256];
  while (std::fgets(line, sizeof line, p)) {
    std::string s = line;
    while (!s.empty() && (s.back() == '\n' || s.back() == ' '))
      s.pop_back();
    if (!s.empty())
      ids.push_back(s);
  }
  ::pclose(p);
  return ids;
}

troupe::cluster_options slurm_options() {
  return {{"system", std::string{"slurm"}},
          {"cores", std::int64_t{1}},
          {"memory", std::string{"256 MiB"}},
          {"processes", std::int64_t{1}},
          {"queue", std::string{"debug"}},
          {"walltime", std::string{"00:10:00"}},
          {"log_directory", state_dir() + "/troupe-batch-logs"}};
}

TEST(batch_slurm, two_workers_as_jobs_compute_and_close_leaves_an_empty_queue) {
  ASSERT_FALSE(state_dir().empty()) << "TROUPE_SLURM_DIR is not set: run through ctest (fixture slurm)";
  ASSERT_TRUE(queued_jobs().empty()) << "the fixture's queue is not empty at the start";
  auto t0 = std::chrono::steady_clock::now();
  {
    troupe::cluster cluster{"batch", slurm_options(), std::chrono::seconds(120)};
    cluster.scale(2, std::chrono::seconds(120));
    double up = std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
    std::printf("scale(2) to two connected workers: %.2f s\n", up);
    EXPECT_EQ(cluster.info().workers.size(), 2u);
    EXPECT_EQ(queued_jobs().size(), 2u);
    troupe::client client{cluster};
    std::vector<long> xs(500);
    std::iota(xs.begin(), xs.end(), 0L);
    auto got = client.gather(client.map(cube, xs));
    for (long x : xs)
      ASSERT_EQ(got[static_cast<std::size_t>(x)], x * x * x);
    client.close();
    auto t1 = std::chrono::steady_clock::now();
    cluster.close();
    double down = std::chrono::duration<double>(std::chrono::steady_clock::now() - t1).count();
    std::printf("close() to an empty queue: %.2f s\n", down);
  }
  EXPECT_TRUE(queued_jobs().empty()) << "jobs left in the queue after close()";
}

// Grid Engine's qstat prints nothing when the user has no job.
TEST(batch_sge, two_workers_as_jobs_compute_and_close_leaves_an_empty_queue) {
  auto dir = env("TROUPE_SGE_DIR");
  ASSERT_FALSE(dir.empty()) << "TROUPE_SGE_DIR is not set: run through ctest (fixture sge)";
  const char* qstat = "qstat 2>&1";
  ASSERT_TRUE(queued_jobs(qstat).empty()) << "the fixture's queue is not empty at the start";
  auto t0 = std::chrono::steady_clock::now();
  {
    troupe::cluster cluster{"batch",
                            {{"system", std::string{"sge"}},
                             {"cores", std::int64_t{1}},
                             {"memory", std::string{"256 MiB"}},
                             {"processes", std::int64_t{1}},
                             {"queue", std::string{"all.q"}},
                             {"walltime", std::string{"00:10:00"}},
                             {"log_directory", dir + "/troupe-batch-logs"}},
                            std::chrono::seconds(120)};
    cluster.scale(2, std::chrono::seconds(120));
    double up = std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
    std::printf("scale(2) to two connected workers: %.2f s\n", up);
    EXPECT_EQ(cluster.info().workers.size(), 2u);
    troupe::client client{cluster};
    std::vector<long> xs(500);
    std::iota(xs.begin(), xs.end(), 0L);
    auto got = client.gather(client.map(cube, xs));
    for (long x : xs)
      ASSERT_EQ(got[static_cast<std::size_t>(x)], x * x * x);
    client.close();
    auto t1 = std::chrono::steady_clock::now();
    cluster.close();
    double down = std::chrono::duration<double>(std::chrono::steady_clock::now() - t1).count();
    std::printf("close() to an empty queue: %.2f s\n", down);
  }
  auto left = queued_jobs(qstat);
  std::string listed;
  for (auto& l : left)
    listed += l + "\n";
  EXPECT_TRUE(left.empty()) << "jobs left in the queue after close():\n" << listed;
}

} // namespace

int main(int argc, char** argv) {
  troupe::init(argc, argv);  // as a Slurm job's worker: serves tasks, never returns
  ::testing::InitGoogleTest(&argc, argv);
  return RUN_ALL_TESTS();
}
