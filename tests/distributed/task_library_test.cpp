// Task libraries: `troupe worker --load LIB.so` runs tasks the client only
// names; bad libraries are refused with a clear message.
#include <fstream>

#include <gtest/gtest.h>

#include "process_cluster.hpp"
#include "troupe/troupe.hpp"

namespace {

using troupe_test::child_process;
using troupe_test::process_cluster;
constexpr auto timeout = std::chrono::seconds(60);

TEST(task_library, worker_runs_tasks_from_a_loaded_library) {
  process_cluster pc{0};
  pc.add_cli_worker({"--load", TROUPE_TEST_TASKLIB});
  troupe::client c{pc.address};
  c.wait_for_workers(1, timeout);
  EXPECT_EQ(c.submit_named<int>("cube", 3).get(timeout), 27);
  EXPECT_EQ(c.submit_named<std::string>("shout", std::string{"hey"}).get(timeout), "hey!");
  // An exception inside the library arrives with its type and message.
  try {
    c.submit_named<std::string>("shout", std::string{}).get(timeout);
    FAIL() << "no error";
  } catch (const troupe::task_error& e) {
    EXPECT_EQ(e.exception_type(), "std::invalid_argument");
    EXPECT_NE(std::string{e.what()}.find("nothing to shout"), std::string::npos) << e.what();
  }
}

// Two workers, only one with the library: its tasks all go there, and a task
// no worker has fails naming its function and both workers.
TEST(task_library, tasks_go_only_to_the_worker_that_has_their_function) {
  process_cluster pc{0};
  pc.add_cli_worker({"--load", TROUPE_TEST_TASKLIB});  // "cli0"
  pc.add_cli_worker();                                  // "cli1": no tasks at all
  troupe::client c{pc.address};
  c.wait_for_workers(2, timeout);
  std::vector<troupe::future<int>> cubes;
  for (int i = 0; i < 50; ++i)
    cubes.push_back(c.submit_named<int>("cube", i));
  for (int i = 0; i < 50; ++i)
    EXPECT_EQ(cubes[static_cast<std::size_t>(i)].get(timeout), i * i * i) << i;
  try {
    c.submit_named<int>("no_such_task", 1).get(timeout);
    FAIL() << "no error";
  } catch (const troupe::task_error& e) {
    std::string what = e.what();
    EXPECT_EQ(e.exception_type(), "troupe::unknown_task");
    EXPECT_NE(what.find("'no_such_task'"), std::string::npos) << what;
    EXPECT_NE(what.find("cli0 [2 functions]"), std::string::npos) << what;
    EXPECT_NE(what.find("cli1 [0 functions]"), std::string::npos) << what;
  }
}

// Loads a library and expects the worker to exit at once saying `why`.
void expect_refused(const std::string& path, const std::string& why) {
  child_process w{{TROUPE_CLI_PATH, "worker", "tcp://127.0.0.1:1", "--load", path}};
  auto code = w.wait(std::chrono::seconds(20));
  ASSERT_TRUE(code.has_value());
  EXPECT_EQ(*code, 1);
  EXPECT_NE(w.output().find(why), std::string::npos) << w.output();
}

TEST(task_library, bad_libraries_are_refused_clearly) {
  expect_refused("/nonexistent/libnothing.so", "does not exist");
  std::string text = ::testing::TempDir() + "/libnot_a_library.so";
  std::ofstream{text} << "this is not an ELF file\n";
  expect_refused(text, "is not a loadable shared library");
  // A shared library without the table: the C++ standard library itself.
  expect_refused(TROUPE_TEST_PLAIN_SO, "exports no 'troupe_task_library'");
}

} // namespace
