// The `troupe` command line as a user meets it: real processes of the CLI
// binary. Help exits 0 on stdout; every mistake exits non-zero (2 for usage,
// 3 for an unreachable scheduler) with exactly one line on stderr that names
// what is wrong.
#include <cerrno>
#include <chrono>
#include <csignal>
#include <fstream>
#include <string>
#include <vector>

#include <fcntl.h>
#include <poll.h>
#include <spawn.h>
#include <sys/wait.h>
#include <unistd.h>

#include <gtest/gtest.h>

#include "process_cluster.hpp"
#include "troupe/troupe.hpp"

extern char** environ;

namespace {

using namespace std::chrono_literals;

struct cli_result {
  int code = -1;  // exit code; 128 + signal; -1 when killed after the timeout
  std::string out, err;
  std::chrono::milliseconds elapsed{0};
};

// Runs `troupe ARGS...` with extra environment, stdout and stderr apart;
// killed after `timeout`.
cli_result run_cli(const std::vector<std::string>& args, const std::vector<std::string>& env = {},
                   std::chrono::milliseconds timeout = 30s) {
  int out[2], err[2];
  if (::pipe2(out, O_CLOEXEC) != 0 || ::pipe2(err, O_CLOEXEC) != 0)
    throw std::runtime_error("pipe failed");
  posix_spawn_file_actions_t actions;
  posix_spawn_file_actions_init(&actions);
  posix_spawn_file_actions_adddup2(&actions, out[1], 1);
  posix_spawn_file_actions_adddup2(&actions, err[1], 2);
  std::vector<std::string> argv_s{TROUPE_CLI_PATH};
  argv_s.insert(argv_s.end(), args.begin(), args.end());
  std::vector<char*> argv;
  for (auto& a : argv_s)
    argv.push_back(a.data());
  argv.push_back(nullptr);
  std::vector<std::string> env_s = env;
  std::vector<char*> envp;
  for (auto& e : env_s)
    envp.push_back(e.data());
  for (char** e = environ; *e; ++e)
    envp.push_back(*e);
  envp.push_back(nullptr);
  auto start = std::chrono::steady_clock::now();
  pid_t pid = -1;
  int rc = posix_spawn(&pid, argv[0], &actions, nullptr, argv.data(), envp.data());
  posix_spawn_file_actions_destroy(&actions);
  ::close(out[1]);
  ::close(err[1]);
  if (rc != 0)
    throw std::runtime_error("posix_spawn failed");
  cli_result r;
  pollfd fds[2] = {{out[0], POLLIN, 0}, {err[0], POLLIN, 0}};
  std::string* sinks[2] = {&r.out, &r.err};
  int open_fds = 2;
  bool killed = false;
  while (open_fds > 0) {
    auto left = std::chrono::duration_cast<std::chrono::milliseconds>(
      start + timeout - std::chrono::steady_clock::now());
    if (left.count() <= 0) {
      ::kill(pid, SIGKILL);
      killed = true;
      break;
    }
    if (::poll(fds, 2, static_cast<int>(left.count())) < 0 && errno != EINTR)
      break;
    for (int i = 0; i < 2; ++i) {
      if (fds[i].fd < 0 || !(fds[i].revents & (POLLIN | POLLHUP)))
        continue;
      char buf[4096];
      ssize_t n = ::read(fds[i].fd, buf, sizeof buf);
      if (n > 0) {
        sinks[i]->append(buf, static_cast<std::size_t>(n));
      } else {
        ::close(fds[i].fd);
        fds[i].fd = -1;
        --open_fds;
      }
    }
  }
  for (auto& f : fds)
    if (f.fd >= 0)
      ::close(f.fd);
  int status = 0;
  ::waitpid(pid, &status, 0);
  r.elapsed = std::chrono::duration_cast<std::chrono::milliseconds>(
    std::chrono::steady_clock::now() - start);
  if (!killed)
    r.code = WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status);
  return r;
}

// One line: text, then a single newline at its end.
bool one_line(const std::string& s) {
  return !s.empty() && s.back() == '\n' && s.find('\n') == s.size() - 1;
}

bool contains(const std::string& s, const std::string& part) {
  return s.find(part) != std::string::npos;
}

// A usage mistake: exit 2, nothing on stdout, one line on stderr naming `what`.
void expect_usage_error(const std::vector<std::string>& args, const std::string& what) {
  auto r = run_cli(args);
  std::string cmd = "troupe";
  for (auto& a : args)
    cmd += " " + a;
  EXPECT_EQ(r.code, 2) << cmd << "\n" << r.err;
  EXPECT_EQ(r.out, "") << cmd;
  EXPECT_TRUE(one_line(r.err)) << cmd << ": stderr is not one line:\n" << r.err;
  EXPECT_TRUE(contains(r.err, what)) << cmd << ": '" << what << "' not in: " << r.err;
}

TEST(cli, help_lists_the_commands) {
  for (const char* flag : {"--help", "-h"}) {
    auto r = run_cli({flag});
    EXPECT_EQ(r.code, 0) << r.err;
    EXPECT_EQ(r.err, "");
    for (const char* command : {"scheduler", "worker", "info"})
      EXPECT_TRUE(contains(r.out, command)) << r.out;
  }
}

TEST(cli, each_command_has_help) {
  for (auto [command, option] : {std::pair{"scheduler", "--port"}, std::pair{"worker", "--nthreads"},
                                 std::pair{"info", "--timeout"}}) {
    auto r = run_cli({command, "--help"});
    EXPECT_EQ(r.code, 0) << command << ": " << r.err;
    EXPECT_EQ(r.err, "") << command;
    EXPECT_TRUE(contains(r.out, std::string{"usage: troupe "} + command)) << r.out;
    EXPECT_TRUE(contains(r.out, option)) << r.out;
  }
}

TEST(cli, an_unknown_or_missing_command_is_one_line) {
  expect_usage_error({"bogus"}, "unknown command 'bogus'");
  expect_usage_error({}, "missing command");
}

TEST(cli, scheduler_options_are_checked) {
  expect_usage_error({"scheduler", "--bogus"}, "--bogus");
  expect_usage_error({"scheduler", "--port", "abc"}, "--port");
  expect_usage_error({"scheduler", "--port", "70000"}, "--port must be from 0 to 65535, got 70000");
  expect_usage_error({"scheduler", "--port"}, "--port");
}

TEST(cli, worker_arguments_are_checked) {
  expect_usage_error({"worker"}, "missing the scheduler address");
  expect_usage_error({"worker", "tcp://127.0.0.1:1", "--nthreads", "0"},
                     "--nthreads must be at least 1, got 0");
  expect_usage_error({"worker", "tcp://127.0.0.1:1", "--nthreads", "abc"}, "--nthreads");
  expect_usage_error({"worker", "notanaddress"},
                     "address 'notanaddress' is not of the form tcp://host:port");
  expect_usage_error({"worker", "http://127.0.0.1:80"}, "only tcp://host:port");
  expect_usage_error({"info", "notanaddress"}, "notanaddress");
  expect_usage_error({"worker", "tcp://127.0.0.1:1", "--lifetime", "0"},
                     "--lifetime must be positive, got 0");
  expect_usage_error({"worker", "tcp://127.0.0.1:1", "--lifetime", "10 s", "--lifetime-stagger",
                      "20 s"},
                     "--lifetime-stagger must be at least 0 and less than --lifetime, got 20 s");
  expect_usage_error({"worker", "tcp://127.0.0.1:1", "--interface", "nosuchif0"},
                     "--interface nosuchif0: no such interface with an IPv4 address (there are: lo");
}

TEST(cli, a_worker_without_a_scheduler_exits_3_at_once) {
  auto r = run_cli({"worker", "tcp://127.0.0.1:1"}, {"TROUPE_CLIENT__CONNECT_TIMEOUT=300 ms"});
  EXPECT_EQ(r.code, 3) << r.err;
  EXPECT_TRUE(one_line(r.err)) << r.err;
  EXPECT_TRUE(contains(r.err, "cannot reach a scheduler at tcp://127.0.0.1:1 within 0.3 s"))
    << r.err;
  EXPECT_LT(r.elapsed, 10s);
}

TEST(cli, a_bad_config_file_names_file_line_and_column) {
  std::string path = ::testing::TempDir() + "/troupe_cli_bad.toml";
  std::ofstream{path} << "[scheduler]\nport = 0\nprot = 1\n";
  auto r = run_cli({"scheduler", "--config", path});
  EXPECT_NE(r.code, 0);
  EXPECT_EQ(r.out, "");
  EXPECT_TRUE(one_line(r.err)) << r.err;
  EXPECT_TRUE(contains(r.err, path + ":3:1: scheduler.prot: unknown key")) << r.err;
  r = run_cli({"scheduler", "--config", "/nonexistent/troupe.toml"});
  EXPECT_NE(r.code, 0);
  EXPECT_TRUE(one_line(r.err)) << r.err;
  EXPECT_TRUE(contains(r.err, "/nonexistent/troupe.toml does not exist")) << r.err;
}

TEST(cli, a_config_file_given_with_config_applies) {
  std::string path = ::testing::TempDir() + "/troupe_cli_good.toml";
  std::ofstream{path} << "[client]\nconnect_timeout = \"300 ms\"\n";
  auto r = run_cli({"worker", "tcp://127.0.0.1:1", "--config", path});
  EXPECT_EQ(r.code, 3) << r.err;
  EXPECT_TRUE(contains(r.err, "within 0.3 s")) << r.err;
}

TEST(cli, a_bad_environment_variable_is_one_line) {
  auto r = run_cli({"worker", "tcp://127.0.0.1:1"}, {"TROUPE_CLIENT__CONNECT_TIMEOUT=soon"});
  EXPECT_NE(r.code, 0);
  EXPECT_TRUE(one_line(r.err)) << r.err;
  EXPECT_TRUE(contains(r.err, "TROUPE_CLIENT__CONNECT_TIMEOUT")) << r.err;
}

TEST(cli, info_shows_a_running_cluster) {
  troupe_test::process_cluster pc{0};
  pc.add_cli_worker();
  pc.add_cli_worker();
  {
    troupe::client c{pc.address, 60s};
    c.wait_for_workers(2, 60s);
  }
  auto r = run_cli({"info", pc.address});
  EXPECT_EQ(r.code, 0) << r.err;
  EXPECT_EQ(r.err, "");
  EXPECT_TRUE(contains(r.out, "scheduler  " + pc.address)) << r.out;
  EXPECT_TRUE(contains(r.out, "workers    2\n")) << r.out;
  // A row per worker, with the address its data server listens at.
  for (const char* name : {"cli0", "cli1"}) {
    auto at = r.out.find(name);
    ASSERT_NE(at, std::string::npos) << r.out;
    auto row = r.out.substr(at, r.out.find('\n', at) - at);
    EXPECT_TRUE(contains(row, "127.0.0.1:")) << row;
  }
}

TEST(cli, info_without_a_scheduler_fails_in_one_line) {
  auto r = run_cli({"info", "tcp://127.0.0.1:1", "--timeout", "300 ms"});
  EXPECT_EQ(r.code, 3);
  EXPECT_TRUE(one_line(r.err)) << r.err;
  EXPECT_TRUE(contains(r.err, "cannot reach a scheduler at tcp://127.0.0.1:1")) << r.err;
  EXPECT_LT(r.elapsed, 10s);
}

} // namespace
