#include "local_backend.hpp"

#include <algorithm>
#include <cerrno>
#include <csignal>
#include <cstring>

#include <poll.h>
#include <sys/eventfd.h>
#include <sys/wait.h>
#include <unistd.h>

namespace troupe::local_plugin {

namespace {

// After SIGKILL, how long to wait for the exit before giving up on a worker.
constexpr auto kill_wait = std::chrono::seconds(5);
// How long start_workers waits for the manager thread to fork.
constexpr auto spawn_wait = std::chrono::seconds(60);

std::uint32_t cores() { return std::max(1U, std::thread::hardware_concurrency()); }

std::uint64_t machine_memory() {
  long pages = ::sysconf(_SC_PHYS_PAGES), page = ::sysconf(_SC_PAGESIZE);
  return pages > 0 && page > 0 ? static_cast<std::uint64_t>(pages) * static_cast<std::uint64_t>(page)
                               : 0;
}

void signal_worker(pid_t pid, int sig) {
  // The worker leads its own process group: reach its children too.
  if (::kill(-pid, sig) != 0)
    ::kill(pid, sig);
}

} // namespace

local_backend::local_backend(const sdk::host_api& host, const sdk::options& opts)
  : backend(host) {
  auto n = opts.get_int("n_workers", 0);
  auto threads = opts.get_int("threads_per_worker", 1);
  if (n < 0)
    throw sdk::plugin_error(TROUPE_ERR_INVALID_ARGUMENT, "n_workers must be 0 or more");
  if (threads < 1)
    throw sdk::plugin_error(TROUPE_ERR_INVALID_ARGUMENT, "threads_per_worker must be at least 1");
  settings_.n_workers = static_cast<std::uint32_t>(n);
  settings_.threads_per_worker = static_cast<std::uint32_t>(threads);
  settings_.memory_limit = opts.get_bytes("memory_limit", 0);
  settings_.processes = opts.get_bool("processes", true);
  settings_.name = opts.get_string("name", "local");
  if (settings_.name.empty())
    settings_.name = "local";
  settings_.stop_grace = opts.get_duration("stop_grace", settings_.stop_grace);
  settings_.restart = opts.get_bool("restart", true);
  settings_.restart_min_uptime =
    opts.get_duration("restart_min_uptime", settings_.restart_min_uptime);
  if (!settings_.processes && !host.has_inprocess_workers())
    throw sdk::plugin_error(TROUPE_ERR_NOT_SUPPORTED,
                            "processes = false needs a host that runs in-process workers, and "
                            "this one does not (use processes = true)");
  wake_fd_ = ::eventfd(0, EFD_CLOEXEC | EFD_NONBLOCK);
  if (wake_fd_ < 0)
    throw sdk::plugin_error(TROUPE_ERR_SYSTEM, std::string{"eventfd: "} + std::strerror(errno));
  manager_ = std::thread{[this] { manage(); }};
}

local_backend::~local_backend() {
  try {
    stop_all();
  } catch (const std::exception& e) {
    host().error(std::string{"stopping workers: "} + e.what());
  }
  {
    std::lock_guard lock{mutex_};
    quit_ = true;
  }
  wake();
  manager_.join();
  for (auto& w : workers_)
    if (w.pidfd >= 0)
      ::close(w.pidfd);
  ::close(wake_fd_);
}

// ---- the calls ------------------------------------------------------------

void local_backend::start_workers(const sdk::launch_spec& spec, std::uint32_t n) {
  if (n == TROUPE_WORKERS_DEFAULT)
    n = settings_.n_workers ? settings_.n_workers
                            : std::max(1U, cores() / settings_.threads_per_worker);
  start(spec, n);
}

void local_backend::scale(const sdk::launch_spec& spec, std::uint32_t n) {
  std::uint32_t live = 0;
  {
    std::lock_guard lock{mutex_};
    for (auto& w : workers_)
      live += alive(w) && !w.stop_requested;
  }
  std::vector<std::string> inprocess;
  if (live < n) {
    start(spec, n - live);
  } else if (live > n) {
    std::lock_guard lock{mutex_};
    auto surplus = live - n;
    for (auto it = workers_.rbegin(); it != workers_.rend() && surplus > 0; ++it)
      if (alive(*it) && !it->stop_requested) {
        request_stop_locked(*it, inprocess);
        --surplus;
      }
  }
  {
    std::lock_guard lock{mutex_};
    requested_ = n;
  }
  wake();
  stop_inprocess(inprocess);
}

void local_backend::stop_worker(const std::string& id) {
  std::vector<std::string> inprocess;
  {
    std::lock_guard lock{mutex_};
    auto it = std::find_if(workers_.begin(), workers_.end(),
                           [&](const worker& w) { return w.id == id; });
    if (it == workers_.end()) {
      std::string known;
      for (auto& w : workers_)
        if (alive(w))
          known += (known.empty() ? "" : ", ") + w.id;
      throw sdk::plugin_error(TROUPE_ERR_UNKNOWN_WORKER, "no worker named '" + id + "' (running: "
                                                             + (known.empty() ? "none" : known)
                                                             + ")");
    }
    if (!alive(*it) || it->stop_requested)
      return;
    request_stop_locked(*it, inprocess);
    if (requested_ > 0)
      --requested_;
  }
  wake();
  stop_inprocess(inprocess);
}

void local_backend::stop_all() {
  std::vector<std::string> inprocess;
  {
    std::lock_guard lock{mutex_};
    requested_ = 0;
    for (auto& w : workers_)
      if (alive(w) && !w.stop_requested)
        request_stop_locked(w, inprocess);
  }
  wake();
  stop_inprocess(inprocess);

  // Bounded: the manager escalates to SIGKILL after the grace period and
  // gives up on a process kill_wait after that.
  std::unique_lock lock{mutex_};
  auto gone = [&] {
    if (emitting_ > 0)
      return false;
    return std::none_of(workers_.begin(), workers_.end(),
                        [](const worker& w) { return alive(w) && w.pid > 0; });
  };
  auto limit = clock::now() + settings_.stop_grace + kill_wait + std::chrono::seconds(2);
  if (!changed_.wait_until(lock, limit, gone)) {
    std::string left;
    for (auto& w : workers_)
      if (alive(w) && w.pid > 0)
        left += (left.empty() ? "" : ", ") + w.id + " (pid " + std::to_string(w.pid) + ")";
    throw sdk::plugin_error(TROUPE_ERR_SYSTEM, "workers still running after stop_all: " + left);
  }
}

sdk::status local_backend::status() {
  std::lock_guard lock{mutex_};
  sdk::status s;
  s.requested = requested_;
  for (auto& w : workers_) {
    if (alive(w))
      ++s.running;
    else
      ++s.exited;
    s.workers.push_back({w.id, w.state, w.pid, w.exit_code});
  }
  return s;
}

// ---- helpers ----------------------------------------------------------------

sdk::launch_spec local_backend::effective(const sdk::launch_spec& spec) const {
  auto e = spec;
  if (e.threads_per_worker == 0)
    e.threads_per_worker = settings_.threads_per_worker;
  if (e.memory_limit == 0)
    e.memory_limit = settings_.memory_limit
                       ? settings_.memory_limit
                       : machine_memory() * std::min(e.threads_per_worker, cores()) / cores();
  if (e.name_prefix.empty())
    e.name_prefix = settings_.name;
  return e;
}

std::string local_backend::next_name_locked(const std::string& prefix) {
  return prefix + "-" + std::to_string(next_index_++);
}

void local_backend::start(const sdk::launch_spec& spec, std::uint32_t n) {
  if (n == 0)
    return;
  auto e = effective(spec);
  if (!settings_.processes) {
    start_inprocess(e, n);
    return;
  }
  if (e.argv.empty())
    throw sdk::plugin_error(TROUPE_ERR_INVALID_ARGUMENT,
                            "the launch spec has no worker command (argv is empty)");
  auto env = merged_environment(e.env);
  auto path = resolve_program(e.argv[0], env);
  auto job = std::make_shared<spawn_job>();
  std::unique_lock lock{mutex_};
  if (quit_)
    throw sdk::plugin_error(TROUPE_ERR_FAILED, "the backend is shutting down");
  for (std::uint32_t i = 0; i < n; ++i) {
    command c{path, e.argv, env};
    if (!e.scheduler_address.empty())
      c.argv.push_back(e.scheduler_address);
    auto id = next_name_locked(e.name_prefix);
    for (auto& arg : {std::string{"--nthreads"}, std::to_string(e.threads_per_worker),
                      std::string{"--memory-limit"}, std::to_string(e.memory_limit),
                      std::string{"--name"}, id})
      c.argv.push_back(arg);
    job->commands.emplace_back(id, std::move(c));
  }
  jobs_.push_back(job);
  lock.unlock();
  wake();
  lock.lock();
  if (!changed_.wait_for(lock, spawn_wait, [&] { return job->done; }))
    throw sdk::plugin_error(TROUPE_ERR_SYSTEM, "timed out waiting for workers to be started");
  if (!job->error.empty())
    throw sdk::plugin_error(TROUPE_ERR_SYSTEM, job->error);
}

void local_backend::start_inprocess(const sdk::launch_spec& spec, std::uint32_t n) {
  for (std::uint32_t i = 0; i < n; ++i) {
    std::string id;
    {
      std::lock_guard lock{mutex_};
      id = next_name_locked(spec.name_prefix);
    }
    host().start_inprocess_worker(spec, id);  // throws with the host's message
    {
      std::lock_guard lock{mutex_};
      worker w;
      w.id = id;
      w.state = sdk::worker_state::running;
      workers_.push_back(std::move(w));
      ++requested_;
    }
    host().worker_event(id, TROUPE_EVENT_STARTED, 0, "in-process worker started by the host");
  }
}

void local_backend::request_stop_locked(worker& w, std::vector<std::string>& inprocess) {
  w.stop_requested = true;
  w.state = sdk::worker_state::stopping;
  if (w.pid < 0) {
    inprocess.push_back(w.id);
    return;
  }
  auto now = clock::now();
  if (settings_.stop_grace.count() <= 0) {
    signal_worker(w.pid, SIGKILL);
    w.killed = true;
    w.deadline = now + kill_wait;
  } else {
    signal_worker(w.pid, SIGTERM);
    w.deadline = now + settings_.stop_grace;
  }
}

void local_backend::stop_inprocess(const std::vector<std::string>& names) {
  for (auto& id : names) {
    std::string failure;
    try {
      host().stop_inprocess_worker(id);
    } catch (const std::exception& e) {
      failure = e.what();
    }
    {
      std::lock_guard lock{mutex_};
      for (auto& w : workers_)
        if (w.id == id)
          w.state = failure.empty() ? sdk::worker_state::exited : sdk::worker_state::failed;
    }
    if (failure.empty())
      host().worker_event(id, TROUPE_EVENT_EXITED, 0, "in-process worker stopped");
    else
      host().worker_event(id, TROUPE_EVENT_FAILED, 0, "the host could not stop it: " + failure);
  }
}

void local_backend::wake() {
  std::uint64_t one = 1;
  [[maybe_unused]] auto n = ::write(wake_fd_, &one, sizeof one);
}

void local_backend::emit(std::vector<event>& events) {
  for (auto& e : events)
    host().worker_event(e.id, e.kind, e.exit_code, e.detail);
  events.clear();
}

// ---- the manager thread -----------------------------------------------------

void local_backend::manage() {
  std::vector<event> events;
  std::unique_lock lock{mutex_};
  for (;;) {
    while (!jobs_.empty()) {
      auto job = jobs_.front();
      jobs_.pop_front();
      ++emitting_;
      lock.unlock();
      run_job_unlocked(*job, events);
      emit(events);  // started events arrive before start_workers returns
      lock.lock();
      --emitting_;
      job->done = true;
      changed_.notify_all();
    }
    reap_locked(events);
    int timeout = escalate_locked(events);
    if (!events.empty()) {
      ++emitting_;
      lock.unlock();
      emit(events);
      lock.lock();
      --emitting_;
      changed_.notify_all();
      continue;  // look again before sleeping
    }
    bool live = false;
    std::vector<pollfd> fds{{wake_fd_, POLLIN, 0}};
    for (auto& w : workers_)
      if (alive(w) && w.pid > 0) {
        live = true;
        if (w.pidfd >= 0)
          fds.push_back({w.pidfd, POLLIN, 0});
        else  // no pidfd: look again soon
          timeout = timeout < 0 ? 20 : std::min(timeout, 20);
      }
    if (quit_ && jobs_.empty() && !live)
      return;
    lock.unlock();
    ::poll(fds.data(), fds.size(), timeout);
    std::uint64_t drained;
    while (::read(wake_fd_, &drained, sizeof drained) > 0) {
    }
    lock.lock();
  }
}

void local_backend::run_job_unlocked(spawn_job& job, std::vector<event>& events) {
  std::size_t started = 0;
  for (auto& [id, c] : job.commands) {
    pid_t pid;
    try {
      pid = spawn(c);
    } catch (const std::exception& e) {
      std::lock_guard lock{mutex_};
      job.error = "worker " + id + ": " + e.what();
      if (started > 0)
        job.error += " (" + std::to_string(started) + " of " + std::to_string(job.commands.size())
                     + " workers started)";
      return;
    }
    worker w;
    w.id = id;
    w.state = sdk::worker_state::running;
    w.pid = pid;
    w.pidfd = open_pidfd(pid);
    w.started = clock::now();
    w.cmd = c;
    {
      std::lock_guard lock{mutex_};
      workers_.push_back(std::move(w));
      if (!job.replacement)
        ++requested_;
    }
    ++started;
    events.push_back({id, TROUPE_EVENT_STARTED, 0, "pid " + std::to_string(pid)});
  }
}

void local_backend::reap_locked(std::vector<event>& events) {
  std::vector<std::pair<std::string, command>> restarts;  // name prefix, command
  for (auto& w : workers_) {
    if (!alive(w) || w.pid <= 0)
      continue;
    int st = 0;
    pid_t r = ::waitpid(w.pid, &st, WNOHANG);
    if (r == 0 || (r < 0 && errno == EINTR))
      continue;
    std::string detail;
    bool clean = false;
    if (r == w.pid) {
      detail = describe_exit(st, w.exit_code);
      clean = WIFEXITED(st) && WEXITSTATUS(st) == 0;
    } else {  // ECHILD: someone else reaped it (SIGCHLD ignored, waitpid(-1))
      w.exit_code = 0;
      detail = std::string{"exit status unknown: "} + std::strerror(errno);
    }
    if (w.pidfd >= 0) {
      ::close(w.pidfd);
      w.pidfd = -1;
    }
    bool ok = w.stop_requested || clean;
    w.state = ok ? sdk::worker_state::exited : sdk::worker_state::failed;
    events.push_back({w.id, ok ? TROUPE_EVENT_EXITED : TROUPE_EVENT_FAILED, w.exit_code,
                      "pid " + std::to_string(w.pid) + " " + detail});
    // Killed or crashed (a signal), not asked to stop: start a replacement,
    // as Dask's nanny does. Not for a worker that exited with a code (it
    // chose to: e.g. it gave up on a lost scheduler), nor for one that died
    // within a second of starting (a crash loop).
    bool by_signal = r == w.pid && WIFSIGNALED(st);
    if (settings_.restart && !w.stop_requested && by_signal && w.cmd && !quit_
        && clock::now() - w.started >= settings_.restart_min_uptime)
      restarts.emplace_back(w.id.substr(0, w.id.rfind('-')), *w.cmd);
  }
  for (auto& [prefix, c] : restarts) {
    auto job = std::make_shared<spawn_job>();
    job->replacement = true;
    auto id = next_name_locked(prefix);
    for (std::size_t i = 0; i + 1 < c.argv.size(); ++i)
      if (c.argv[i] == "--name")
        c.argv[i + 1] = id;
    host().info("restarting a worker killed by a signal as " + id);
    job->commands.emplace_back(id, std::move(c));
    jobs_.push_back(std::move(job));
  }
}

int local_backend::escalate_locked(std::vector<event>& events) {
  auto now = clock::now();
  int timeout = -1;
  for (auto& w : workers_) {
    if (w.state != sdk::worker_state::stopping || w.pid <= 0)
      continue;
    if (now >= w.deadline) {
      if (!w.killed) {
        host().warn("worker " + w.id + " (pid " + std::to_string(w.pid)
                    + ") did not stop after SIGTERM; sending SIGKILL");
        signal_worker(w.pid, SIGKILL);
        w.killed = true;
        w.deadline = now + kill_wait;
      } else {
        host().error("worker " + w.id + " (pid " + std::to_string(w.pid)
                     + ") did not exit after SIGKILL; giving up on it");
        if (w.pidfd >= 0) {
          ::close(w.pidfd);
          w.pidfd = -1;
        }
        w.state = sdk::worker_state::failed;
        w.exit_code = -SIGKILL;
        events.push_back({w.id, TROUPE_EVENT_FAILED, w.exit_code, "did not exit after SIGKILL"});
        continue;
      }
    }
    auto ms = std::chrono::ceil<std::chrono::milliseconds>(w.deadline - now).count();
    timeout = timeout < 0 ? static_cast<int>(ms) : std::min(timeout, static_cast<int>(ms));
  }
  return timeout;
}

} // namespace troupe::local_plugin

TROUPE_PLUGIN(troupe::local_plugin::local_backend, "local",
              "Workers as processes on this machine (or, with processes = false, in the host)",
              troupe::sdk::int_option("n_workers", "0",
                                      "workers to start (0: one per core / threads_per_worker)"),
              troupe::sdk::int_option("threads_per_worker", "1",
                                      "threads that run tasks in each worker"),
              troupe::sdk::bytes_option("memory_limit", "0",
                                        "memory per worker (0: machine memory x threads / cores)"),
              troupe::sdk::bool_option("processes", "true",
                                       "workers as processes (false: in the host, as threads)"),
              troupe::sdk::string_option("name", "local", "worker names are <name>-<i>"),
              troupe::sdk::duration_option("stop_grace", "5 s",
                                           "time from SIGTERM to SIGKILL when stopping a worker"),
              troupe::sdk::bool_option("restart", "true",
                                       "replace a worker killed by a signal (as Dask's nanny)"),
              troupe::sdk::duration_option("restart_min_uptime", "1 s",
                                           "a worker that dies younger is not replaced"))
