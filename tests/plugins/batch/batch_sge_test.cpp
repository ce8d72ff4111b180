// The batch plugin against the real single-node Grid Engine the suite
// starts (tests/batch_systems/, fixture `sge`). Grid Engine's qstat prints
// nothing when the user has no job.
#include <gtest/gtest.h>

#include <numeric>
#include <string>
#include <vector>

#include <troupe/troupe.hpp>

#include "batch_system_support.hpp"

using namespace batch_test;
using namespace std::chrono_literals;

namespace {

long square(long x) { return x * x; }
TROUPE_TASK(square);

troupe::cluster_options sge_options(const std::string& job_name) {
  troupe::cluster_options o{{"system", std::string{"sge"}},
                            {"cores", std::int64_t{1}},
                            {"memory", std::string{"256 MiB"}},
                            {"queue", std::string{"all.q"}},
                            {"walltime", std::string{"00:10:00"}},
                            {"job_name", job_name},
                            {"log_directory", sge_dir() + "/troupe-batch-logs"}};
#if defined(__SANITIZE_ADDRESS__)
  // h_vmem is a limit on virtual memory (ulimit -v), and AddressSanitizer
  // reserves terabytes of it for its shadow: under ASan the workers could
  // not start. The memory line is left out there, and only there.
  o.values["job_directives_skip"] = std::string{"h_vmem"};
#endif
  return o;
}

std::string listed(const std::vector<std::string>& lines) {
  std::string out;
  for (auto& l : lines)
    out += l + "\n";
  return out;
}

class batch_sge : public ::testing::Test {
protected:
  void SetUp() override {
    ASSERT_FALSE(sge_dir().empty()) << "TROUPE_SGE_DIR is not set: run through ctest";
    ASSERT_TRUE(sge_queue().empty()) << "the fixture's queue is not empty:\n"
                                     << listed(sge_queue());
  }
};

TEST_F(batch_sge, two_jobs_connect_compute_and_close_leaves_no_job_or_process) {
  auto job = unique_job_name("troupe-t");
  auto t0 = std::chrono::steady_clock::now();
  {
    troupe::cluster cluster{"batch", sge_options(job), 120s};
    cluster.scale(2, 120s);
    std::printf("scale(2) to two connected workers: %.2f s\n", since(t0));
    ASSERT_EQ(cluster.info().workers.size(), 2u);
    troupe::client client{cluster};
    std::vector<long> xs(500);
    std::iota(xs.begin(), xs.end(), 0L);
    auto got = client.gather(client.map(square, xs));
    for (long x : xs)
      ASSERT_EQ(got[static_cast<std::size_t>(x)], x * x);
    client.close();
    auto t1 = std::chrono::steady_clock::now();
    cluster.close();
    std::printf("close() to an empty queue: %.2f s\n", since(t1));
  }
  EXPECT_TRUE(sge_queue().empty()) << "jobs left after close():\n" << listed(sge_queue());
  EXPECT_TRUE(wait_until([&] { return processes_with(job + "-").empty(); }, 5s))
    << "worker processes left after close()";
}

TEST_F(batch_sge, a_job_that_cannot_start_in_a_bad_queue_is_a_clear_error) {
  auto opts = sge_options(unique_job_name("troupe-t"));
  opts.values["queue"] = std::string{"nosuch.q"};
  troupe::cluster cluster{"batch", opts, 60s};
  try {
    cluster.scale(1, 60s);
    FAIL() << "scale(1) into a queue that does not exist succeeded";
  } catch (const troupe::error& e) {
    std::string what = e.what();
    EXPECT_NE(what.find("qsub"), std::string::npos) << what;
    EXPECT_NE(what.find("nosuch.q"), std::string::npos) << what;
  }
  EXPECT_TRUE(sge_queue().empty()) << listed(sge_queue());
}

}  // namespace
