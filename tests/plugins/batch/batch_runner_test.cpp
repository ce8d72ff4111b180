// The batch plugin's command runner with real programs (/bin/echo,
// /bin/false, /bin/cat, /bin/sh, /bin/sleep): argv passed exactly, stdout,
// stderr and exit codes captured, stdin from a file, a clear error for a
// program that does not exist, a timeout that kills. No batch system and
// no stand-in for one.
#include <chrono>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <stdexcept>
#include <string>

#include <unistd.h>

#include <gtest/gtest.h>

#include "run_command.hpp"

using namespace troupe::batch_plugin;
using namespace std::chrono_literals;
namespace fs = std::filesystem;

namespace {

std::string error_of(const command& c, std::chrono::milliseconds timeout = 10s) {
  try {
    run_command(c, timeout);
  } catch (const std::exception& e) {
    return e.what();
  }
  return "no error";
}

}  // namespace

TEST(batch_runner, echo_gets_each_argument_exactly) {
  // Words a shell would split, glob or expand arrive as they are.
  auto r = run_command({{"/bin/echo", "a b", "*", "$HOME", "'q'", ";", "x\ty"}, ""}, 10s);
  EXPECT_EQ(r.exit_code, 0);
  EXPECT_EQ(r.out, "a b * $HOME 'q' ; x\ty\n");
  EXPECT_EQ(r.err, "");
}

TEST(batch_runner, program_is_looked_up_in_path) {
  auto r = run_command({{"echo", "found"}, ""}, 10s);
  EXPECT_EQ(r.exit_code, 0);
  EXPECT_EQ(r.out, "found\n");
}

TEST(batch_runner, exit_code_of_a_failing_program) {
  auto r = run_command({{"/bin/false"}, ""}, 10s);
  EXPECT_EQ(r.exit_code, 1);
  EXPECT_EQ(r.out, "");
}

TEST(batch_runner, stdout_and_stderr_are_kept_apart) {
  auto r = run_command({{"/bin/sh", "-c", "echo out; echo err >&2; exit 3"}, ""}, 10s);
  EXPECT_EQ(r.exit_code, 3);
  EXPECT_EQ(r.out, "out\n");
  EXPECT_EQ(r.err, "err\n");
  EXPECT_EQ(exit_text(r.exit_code), "exited with code 3");
}

TEST(batch_runner, a_killed_program_reports_the_signal) {
  auto r = run_command({{"/bin/sh", "-c", "kill -9 $$"}, ""}, 10s);
  EXPECT_EQ(r.exit_code, -9);
  EXPECT_EQ(exit_text(r.exit_code), "killed by signal 9");
}

TEST(batch_runner, large_output_on_both_pipes_does_not_deadlock) {
  // 1 MiB on each pipe, far beyond a pipe buffer: both must be drained.
  auto r = run_command({{"/bin/sh", "-c",
                         "head -c 1048576 /dev/zero; head -c 1048576 /dev/zero >&2"},
                        ""},
                       30s);
  EXPECT_EQ(r.exit_code, 0);
  EXPECT_EQ(r.out.size(), 1048576U);
  EXPECT_EQ(r.err.size(), 1048576U);
}

TEST(batch_runner, stdin_comes_from_the_named_file) {
  // LSF's bsub reads its script this way.
  auto path = fs::temp_directory_path() / ("troupe-runner-" + std::to_string(::getpid()));
  {
    std::ofstream out{path};
    out << "#BSUB -J x\necho hi\n";
  }
  auto r = run_command({{"/bin/cat"}, path.string()}, 10s);
  fs::remove(path);
  EXPECT_EQ(r.exit_code, 0);
  EXPECT_EQ(r.out, "#BSUB -J x\necho hi\n");
}

TEST(batch_runner, stdin_is_empty_without_a_file) {
  auto r = run_command({{"/bin/cat"}, ""}, 10s);  // would block on a terminal
  EXPECT_EQ(r.exit_code, 0);
  EXPECT_EQ(r.out, "");
}

TEST(batch_runner, a_missing_program_is_a_clear_error) {
  auto msg = error_of({{"troupe-no-such-program-sbatch", "x"}, ""});
  EXPECT_NE(msg.find("cannot run 'troupe-no-such-program-sbatch'"), std::string::npos) << msg;
  EXPECT_NE(msg.find("not found in PATH="), std::string::npos) << msg;
  EXPECT_NE(msg.find("No such file or directory"), std::string::npos) << msg;

  msg = error_of({{"/nonexistent/bin/qsub"}, ""});
  EXPECT_NE(msg.find("cannot run '/nonexistent/bin/qsub'"), std::string::npos) << msg;
}

TEST(batch_runner, a_missing_stdin_file_is_a_clear_error) {
  auto msg = error_of({{"/bin/cat"}, "/nonexistent/job.sh"});
  EXPECT_NE(msg.find("cannot run '/bin/cat'"), std::string::npos) << msg;
  EXPECT_NE(msg.find("/nonexistent/job.sh"), std::string::npos) << msg;
}

TEST(batch_runner, a_command_past_its_timeout_is_killed) {
  // The subject of the test is the timeout itself: a hung squeue must not
  // hang the plugin. It returns after ~200 ms, not 30 s.
  auto start = std::chrono::steady_clock::now();
  auto msg = error_of({{"/bin/sleep", "30"}, ""}, 200ms);
  EXPECT_NE(msg.find("'/bin/sleep 30' did not finish within 200 ms; killed it"),
            std::string::npos)
    << msg;
  EXPECT_LT(std::chrono::steady_clock::now() - start, 10s);
}

TEST(batch_runner, command_text_is_for_messages) {
  EXPECT_EQ(command_text({{"bsub", "-q", "x"}, "/tmp/j.sh"}), "bsub -q x < /tmp/j.sh");
}
