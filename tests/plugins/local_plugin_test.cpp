// The local plugin for real: workers are processes (a fake worker that
// writes down its argv and waits for a signal). Waits are on events and on a
// FIFO the workers write to, never on sleeps.
#include <cerrno>
#include <cstring>
#include <csignal>
#include <filesystem>
#include <fstream>
#include <map>

#include <fcntl.h>
#include <poll.h>
#include <sys/prctl.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>

#include "plugin_test_util.hpp"

using namespace troupe::internal;
using namespace std::chrono_literals;
using plugin_test::error_of;
using plugin_test::event_log;
using testing::ElementsAre;
using testing::HasSubstr;
using kind = worker_event::kind;

namespace {

struct report {
  pid_t pid = 0;
  std::string tag;
  std::string fds;
  bool stdin_null = false;
  std::vector<std::string> argv;
};

// A scratch directory the fake workers write to, and the FIFO each writes
// its name to once it is ready.
class worker_dir {
public:
  worker_dir() {
    std::string tmpl = (std::filesystem::temp_directory_path() / "troupe-local-XXXXXX").string();
    if (!::mkdtemp(tmpl.data()))
      throw std::runtime_error("mkdtemp failed");
    path_ = tmpl;
    fifo_ = path_ + "/notify";
    ::mkfifo(fifo_.c_str(), 0600);
    // Read-write: there is always a writer, so poll waits for data.
    fd_ = ::open(fifo_.c_str(), O_RDWR | O_NONBLOCK | O_CLOEXEC);
  }
  ~worker_dir() {
    ::close(fd_);
    std::error_code ec;
    std::filesystem::remove_all(path_, ec);
  }

  /// Waits until n workers in all have said they are ready.
  bool wait_ready(std::size_t n, std::chrono::milliseconds timeout = 20s) {
    auto deadline = std::chrono::steady_clock::now() + timeout;
    while (ready_.size() < n) {
      auto left = std::chrono::duration_cast<std::chrono::milliseconds>(
          deadline - std::chrono::steady_clock::now());
      if (left.count() <= 0)
        return false;
      pollfd p{fd_, POLLIN, 0};
      if (::poll(&p, 1, static_cast<int>(left.count())) <= 0)
        continue;
      char buf[256];
      auto got = ::read(fd_, buf, sizeof buf);
      for (ssize_t i = 0; i < got; ++i)
        if (buf[i] == '\n') {
          ready_.push_back(partial_);
          partial_.clear();
        } else {
          partial_ += buf[i];
        }
    }
    return true;
  }

  report read_report(const std::string& name) const {
    report r;
    std::ifstream in{path_ + "/" + name + ".argv"};
    for (std::string line; std::getline(in, line);) {
      auto eq = line.find('=');
      auto key = line.substr(0, eq), value = line.substr(eq + 1);
      if (key == "pid")
        r.pid = std::stoi(value);
      else if (key == "tag")
        r.tag = value;
      else if (key == "fds")
        r.fds = value;
      else if (key == "stdin_null")
        r.stdin_null = value == "1";
      else if (key == "argv")
        r.argv.push_back(value);
    }
    return r;
  }

  const std::string& path() const { return path_; }
  const std::string& fifo() const { return fifo_; }

private:
  std::string path_, fifo_, partial_;
  std::vector<std::string> ready_;
  int fd_ = -1;
};

plugin_launch_spec spec_for(const worker_dir& d) {
  plugin_launch_spec s;
  s.scheduler_address = "tcp://127.0.0.1:8786";
  s.argv = {FAKE_WORKER_PATH, "worker"};
  s.env = {"FAKE_WORKER_DIR=" + d.path(), "FAKE_WORKER_FIFO=" + d.fifo(),
           "FAKE_WORKER_TAG=hello"};
  s.threads_per_worker = 2;
  s.memory_limit = 123;
  s.name_prefix = "test";
  return s;
}

plugin_host_callbacks events_to(event_log& log) { return {log.handler(), {}, {}}; }

bool gone(pid_t pid) { return ::kill(pid, 0) == -1 && errno == ESRCH; }

std::vector<std::string> expected_argv(const std::string& name) {
  return {FAKE_WORKER_PATH, "worker", "tcp://127.0.0.1:8786", "--nthreads", "2",
          "--memory-limit", "123", "--name", name};
}

} // namespace

TEST(local_plugin, start_workers_runs_processes_with_the_expected_argv) {
  worker_dir d;
  event_log log;
  plugin_backend b{"local", {}, {}, events_to(log)};
  b.start_workers(spec_for(d), 2);
  // Started events arrive before start_workers returns.
  EXPECT_EQ(log.count(kind::started), 2U);
  ASSERT_TRUE(d.wait_ready(2));

  auto s = b.status();
  EXPECT_EQ(s.requested, 2U);
  EXPECT_EQ(s.running, 2U);
  EXPECT_EQ(s.exited, 0U);
  ASSERT_EQ(s.workers.size(), 2U);
  for (int i = 0; i < 2; ++i) {
    auto name = "test-" + std::to_string(i);
    auto r = d.read_report(name);
    EXPECT_EQ(r.argv, expected_argv(name));
    EXPECT_EQ(r.tag, "hello");         // the spec's environment was added
    EXPECT_EQ(r.fds, "0,1,2");         // nothing else inherited
    EXPECT_TRUE(r.stdin_null);
    EXPECT_EQ(s.workers[i].id, name);
    EXPECT_EQ(s.workers[i].pid, r.pid);
    EXPECT_EQ(s.workers[i].state, plugin_worker_state::running);
  }
  b.stop_all();
}

TEST(local_plugin, scale_starts_more_and_stops_the_newest) {
  worker_dir d;
  event_log log;
  plugin_backend b{"local", {}, {}, events_to(log)};
  auto spec = spec_for(d);
  b.start_workers(spec, 2);
  b.scale(spec, 3);
  ASSERT_TRUE(d.wait_ready(3));
  EXPECT_EQ(b.status().running, 3U);
  EXPECT_EQ(b.status().requested, 3U);
  std::map<std::string, pid_t> pids;
  for (auto name : {"test-0", "test-1", "test-2"})
    pids[name] = d.read_report(name).pid;

  b.scale(spec, 1);
  for (auto name : {"test-2", "test-1"}) {
    auto e = log.wait_for(name, kind::exited);
    ASSERT_EQ(e.worker_id, name) << "no exit event for " << name;
    EXPECT_EQ(e.exit_code, -SIGTERM);
    EXPECT_THAT(e.detail, HasSubstr("killed by signal 15 (SIGTERM)"));
    EXPECT_TRUE(gone(pids[name])) << name << " still exists";
  }
  EXPECT_FALSE(gone(pids["test-0"]));
  EXPECT_EQ(log.count(kind::failed), 0U);
  auto s = b.status();
  EXPECT_EQ(s.requested, 1U);
  EXPECT_EQ(s.running, 1U);
  EXPECT_EQ(s.exited, 2U);
  b.stop_all();
}

TEST(local_plugin, stop_all_leaves_no_child_processes) {
  worker_dir d;
  event_log log;
  plugin_backend b{"local", {}, {}, events_to(log)};
  b.start_workers(spec_for(d), 3);
  ASSERT_TRUE(d.wait_ready(3));
  std::vector<pid_t> pids;
  for (auto& w : b.status().workers)
    pids.push_back(static_cast<pid_t>(w.pid));

  b.stop_all();
  for (auto pid : pids)
    EXPECT_TRUE(gone(pid)) << pid;
  int st = 0;
  EXPECT_EQ(::waitpid(-1, &st, WNOHANG), -1);  // no child left, not even a zombie
  EXPECT_EQ(errno, ECHILD);
  EXPECT_EQ(log.count(kind::exited), 3U);  // reported before stop_all returned
  auto s = b.status();
  EXPECT_EQ(s.requested, 0U);
  EXPECT_EQ(s.running, 0U);
  EXPECT_EQ(s.exited, 3U);
}

TEST(local_plugin, a_worker_killed_from_outside_is_reported_failed_with_the_signal) {
  worker_dir d;
  event_log log;
  plugin_backend b{"local", {}, {{"restart", false}}, events_to(log)};
  b.start_workers(spec_for(d), 1);
  ASSERT_TRUE(d.wait_ready(1));
  ASSERT_EQ(::kill(d.read_report("test-0").pid, SIGKILL), 0);

  auto e = log.wait_for("test-0", kind::failed);
  ASSERT_EQ(e.worker_id, "test-0");
  EXPECT_EQ(e.exit_code, -SIGKILL);
  EXPECT_THAT(e.detail, HasSubstr("killed by signal 9 (SIGKILL)"));
  auto s = b.status();
  EXPECT_EQ(s.requested, 1U);  // still wanted; it died on its own
  EXPECT_EQ(s.running, 0U);
  EXPECT_EQ(s.exited, 1U);
  EXPECT_EQ(s.workers[0].state, plugin_worker_state::failed);
  EXPECT_EQ(s.workers[0].exit_code, -SIGKILL);
}

// As Dask's nanny: a worker killed by a signal is replaced, and the
// requested count stays the same.
TEST(local_plugin, a_worker_killed_by_a_signal_is_replaced) {
  worker_dir d;
  event_log log;
  plugin_backend b{"local", {}, {{"restart_min_uptime", std::string{"0 s"}}}, events_to(log)};
  b.start_workers(spec_for(d), 1);
  ASSERT_TRUE(d.wait_ready(1));
  ASSERT_EQ(::kill(d.read_report("test-0").pid, SIGKILL), 0);
  auto failed = log.wait_for("test-0", kind::failed);
  EXPECT_EQ(failed.exit_code, -SIGKILL);
  auto started = log.wait_for("test-1", kind::started);
  EXPECT_EQ(started.worker_id, "test-1");
  ASSERT_TRUE(d.wait_ready(2));  // the replacement runs, with its own name
  auto s = b.status();
  EXPECT_EQ(s.requested, 1U);
  EXPECT_EQ(s.running, 1U);
  b.stop_all();
}

TEST(local_plugin, a_worker_that_ignores_sigterm_gets_sigkill_after_the_grace_period) {
  worker_dir d;
  event_log log;
  plugin_backend b{"local", {}, {{"stop_grace", std::string{"100 ms"}}}, events_to(log)};
  auto spec = spec_for(d);
  spec.env.push_back("FAKE_WORKER_IGNORE_TERM=1");
  b.start_workers(spec, 1);
  ASSERT_TRUE(d.wait_ready(1));  // it ignores SIGTERM from here on
  b.stop_worker("test-0");
  auto e = log.wait_for("test-0", kind::exited);
  ASSERT_EQ(e.worker_id, "test-0");
  EXPECT_EQ(e.exit_code, -SIGKILL);
}

TEST(local_plugin, stop_worker_by_name) {
  worker_dir d;
  event_log log;
  plugin_backend b{"local", {}, {}, events_to(log)};
  b.start_workers(spec_for(d), 2);
  ASSERT_TRUE(d.wait_ready(2));
  b.stop_worker("test-0");
  EXPECT_EQ(log.wait_for("test-0", kind::exited).worker_id, "test-0");
  EXPECT_EQ(b.status().requested, 1U);
  b.stop_worker("test-0");  // already gone: fine
  try {
    b.stop_worker("nope");
    ADD_FAILURE() << "an unknown worker should be an error";
  } catch (const plugin_call_error& e) {
    EXPECT_EQ(e.code(), TROUPE_ERR_UNKNOWN_WORKER);
    EXPECT_THAT(e.what(), HasSubstr("no worker named 'nope' (running: test-1)"));
  }
  auto w = b.describe_worker("test-1");  // the helper's default, from status
  ASSERT_TRUE(w);
  EXPECT_EQ(w->pid, d.read_report("test-1").pid);
}

TEST(local_plugin, destroying_the_backend_stops_its_workers) {
  worker_dir d;
  std::vector<pid_t> pids;
  {
    plugin_backend b{"local", {}, {}};
    b.start_workers(spec_for(d), 2);
    ASSERT_TRUE(d.wait_ready(2));
    for (auto& w : b.status().workers)
      pids.push_back(static_cast<pid_t>(w.pid));
  }
  ASSERT_EQ(pids.size(), 2U);
  for (auto pid : pids)
    EXPECT_TRUE(gone(pid)) << pid;
}

TEST(local_plugin, the_default_count_is_the_n_workers_option) {
  worker_dir d;
  event_log log;
  plugin_backend b{"local", {}, {{"n_workers", std::int64_t{3}}}, events_to(log)};
  b.start_workers(spec_for(d));  // TROUPE_WORKERS_DEFAULT
  EXPECT_EQ(log.count(kind::started), 3U);
  EXPECT_EQ(b.status().requested, 3U);
  b.stop_all();
}

TEST(local_plugin, options_fill_what_the_spec_leaves_open) {
  worker_dir d;
  plugin_backend b{"local", {},
                   {{"threads_per_worker", std::int64_t{4}},
                    {"memory_limit", std::string{"2 GiB"}},
                    {"name", std::string{"opt"}}}};
  auto spec = spec_for(d);
  spec.threads_per_worker = 0;
  spec.memory_limit = 0;
  spec.name_prefix.clear();
  b.start_workers(spec, 1);
  ASSERT_TRUE(d.wait_ready(1));
  EXPECT_THAT(d.read_report("opt-0").argv,
              ElementsAre(FAKE_WORKER_PATH, "worker", "tcp://127.0.0.1:8786", "--nthreads", "4",
                          "--memory-limit", std::to_string(2LL << 30), "--name", "opt-0"));
}

TEST(local_plugin, a_program_that_cannot_run_is_an_error) {
  worker_dir d;
  plugin_backend b{"local", {}, {}};
  auto spec = spec_for(d);
  spec.argv = {"/nonexistent/troupe", "worker"};
  EXPECT_THAT(error_of<troupe::error>([&] { b.start_workers(spec, 1); }),
              HasSubstr("worker program /nonexistent/troupe is not an executable file"));
  spec.argv = {"troupe-no-such-program"};
  EXPECT_THAT(error_of<troupe::error>([&] { b.start_workers(spec, 1); }),
              HasSubstr("worker program 'troupe-no-such-program' is not in PATH"));
  spec.argv.clear();
  EXPECT_THAT(error_of<troupe::error>([&] { b.start_workers(spec, 1); }),
              HasSubstr("no worker command"));
  // Executable, but not a program: exec itself fails, and says why.
  auto junk = d.path() + "/junk";
  std::ofstream{junk} << "\x01\x02 not a program\n";
  ::chmod(junk.c_str(), 0755);
  spec.argv = {junk};
  EXPECT_THAT(error_of<troupe::error>([&] { b.start_workers(spec, 1); }),
              HasSubstr("cannot run " + junk + ": Exec format error"));
  EXPECT_EQ(b.status().workers.size(), 0U);
}

TEST(local_plugin, workers_die_with_the_host) {
  // Orphans are re-parented to this process, so it can reap the worker.
  ASSERT_EQ(::prctl(PR_SET_CHILD_SUBREAPER, 1), 0);
  worker_dir d;
  int fds[2];
  ASSERT_EQ(::pipe(fds), 0);
  pid_t host = ::fork();
  ASSERT_GE(host, 0);
  if (host == 0) {
    // A host that dies without stopping its workers.
    ::close(fds[0]);
    try {
      plugin_backend b{"local", {}, {}};
      b.start_workers(spec_for(d), 1);
      auto pid = static_cast<pid_t>(b.status().workers.at(0).pid);
      [[maybe_unused]] auto n = ::write(fds[1], &pid, sizeof pid);
      ::_exit(0);  // before ~plugin_backend, which would stop the worker
    } catch (...) {
    }
    ::_exit(1);
  }
  ::close(fds[1]);
  pid_t worker = 0;
  ASSERT_EQ(::read(fds[0], &worker, sizeof worker), static_cast<ssize_t>(sizeof worker));
  ::close(fds[0]);
  int st = 0;
  ASSERT_EQ(::waitpid(host, &st, 0), host);

  int pidfd = static_cast<int>(::syscall(SYS_pidfd_open, worker, 0));
  ASSERT_GE(pidfd, 0) << std::strerror(errno);
  pollfd p{pidfd, POLLIN, 0};
  ASSERT_EQ(::poll(&p, 1, 20000), 1) << "the worker outlived its host";
  ::close(pidfd);
  ASSERT_EQ(::waitpid(worker, &st, 0), worker);
  EXPECT_TRUE(WIFSIGNALED(st));
  EXPECT_EQ(WTERMSIG(st), SIGTERM);
}

TEST(local_plugin, threads_mode_uses_the_hosts_inprocess_workers) {
  std::mutex m;
  std::vector<std::string> started, stopped;
  plugin_launch_spec seen;
  event_log log;
  plugin_host_callbacks cb;
  cb.on_worker_event = log.handler();
  cb.start_inprocess_worker = [&](const plugin_launch_spec& s, const std::string& name) {
    std::lock_guard lock{m};
    if (name == "inproc-9")
      throw std::runtime_error("host: no room for inproc-9");
    started.push_back(name);
    seen = s;
  };
  cb.stop_inprocess_worker = [&](const std::string& name) {
    std::lock_guard lock{m};
    stopped.push_back(name);
  };
  plugin_backend b{"local", {},
                   {{"processes", false}, {"threads_per_worker", std::int64_t{3}},
                    {"memory_limit", std::string{"1 GiB"}}, {"name", std::string{"inproc"}}},
                   cb};
  plugin_launch_spec spec;
  spec.scheduler_address = "tcp://127.0.0.1:9";
  b.start_workers(spec, 2);
  EXPECT_THAT(started, ElementsAre("inproc-0", "inproc-1"));
  EXPECT_EQ(seen.threads_per_worker, 3U);
  EXPECT_EQ(seen.memory_limit, 1ULL << 30);
  EXPECT_EQ(seen.name_prefix, "inproc");
  EXPECT_EQ(seen.scheduler_address, "tcp://127.0.0.1:9");
  EXPECT_EQ(log.count(kind::started), 2U);

  b.scale(spec, 1);
  EXPECT_THAT(stopped, ElementsAre("inproc-1"));
  EXPECT_EQ(log.count(kind::exited), 1U);
  auto s = b.status();
  EXPECT_EQ(s.requested, 1U);
  EXPECT_EQ(s.running, 1U);
  EXPECT_EQ(s.exited, 1U);
  EXPECT_EQ(s.workers[0].pid, -1);

  b.stop_all();
  EXPECT_THAT(stopped, ElementsAre("inproc-1", "inproc-0"));

  // The host's failure comes back as the plugin's error.
  b.scale(spec, 7);  // inproc-2 .. inproc-8
  EXPECT_THAT(error_of<troupe::error>([&] { b.start_workers(spec, 1); }),
              HasSubstr("host: no room for inproc-9"));
}

TEST(local_plugin, threads_mode_needs_a_host_that_offers_it) {
  EXPECT_THAT(error_of([] { plugin_backend b("local", {}, {{"processes", false}}); }),
              HasSubstr("processes = false needs a host that runs in-process workers"));
}
