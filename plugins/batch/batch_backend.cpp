#include "batch_backend.hpp"

#include <algorithm>
#include <cerrno>
#include <cstdlib>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <stdexcept>
#include <thread>
#include <utility>

#include <fcntl.h>
#include <netdb.h>
#include <unistd.h>

#include <troupe/sdk/interfaces.hpp>

#include "job_logs.hpp"
#include "job_script.hpp"
#include "run_command.hpp"
#include "status_poll.hpp"
#include "validate.hpp"

namespace troupe::batch_plugin {

namespace fs = std::filesystem;

namespace {

// validate() keeps directive values to these characters; a default
// log_directory that breaks the rule is left out instead of failing.
bool directive_safe(const std::string& v) {
  return v.find_first_not_of("abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789"
                             "_./+-:@,=")
         == std::string::npos;
}

std::string make_scripts_dir() {
  const char* tmp = std::getenv("TMPDIR");
  std::string tmpl = std::string{tmp && *tmp ? tmp : "/tmp"} + "/troupe-batch-XXXXXX";
  if (!::mkdtemp(tmpl.data()))
    throw sdk::plugin_error(TROUPE_ERR_SYSTEM, "batch: cannot make a directory for job scripts ("
                                                 + tmpl + "): " + std::strerror(errno));
  return tmpl;
}

// Private to the user (a script may export secrets from `env`); the job
// script is executable because HTCondor runs it as the job's program.
void write_file(const std::string& path, const std::string& text, mode_t mode) {
  int fd = ::open(path.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, mode);
  if (fd < 0)
    throw sdk::plugin_error(TROUPE_ERR_SYSTEM,
                            "batch: cannot write " + path + ": " + std::strerror(errno));
  std::size_t done = 0;
  while (done < text.size()) {
    auto n = ::write(fd, text.data() + done, text.size() - done);
    if (n < 0 && errno == EINTR)
      continue;
    if (n <= 0) {
      int err = errno;
      ::close(fd);
      throw sdk::plugin_error(TROUPE_ERR_SYSTEM,
                              "batch: cannot write " + path + ": " + std::strerror(err));
    }
    done += static_cast<std::size_t>(n);
  }
  ::close(fd);
}

std::string trimmed(std::string s) {
  while (!s.empty() && (s.back() == '\n' || s.back() == ' ' || s.back() == '\r'))
    s.pop_back();
  return s;
}

// The IPv4 address of network interface `name`; a plugin_error naming the
// option and the interfaces there are when it has none.
std::string interface_address(const std::string& name) {
  if (auto found = sdk::ipv4_address_of(name); !found.empty())
    return found;
  std::string known;
  for (auto& [n, address] : sdk::ipv4_interfaces())
    known += (known.empty() ? "" : ", ") + n + " (" + address + ")";
  throw sdk::plugin_error(TROUPE_ERR_INVALID_ARGUMENT,
                          "batch: option 'interface' expects a network interface with an "
                          "IPv4 address (this machine has: "
                            + known + "), got \"" + name + "\"");
}

bool resolves(const std::string& host) {
  addrinfo hints{};
  hints.ai_family = AF_INET;
  addrinfo* res = nullptr;
  if (::getaddrinfo(host.c_str(), nullptr, &hints, &res) != 0)
    return false;
  ::freeaddrinfo(res);
  return true;
}

}  // namespace

batch_backend::batch_backend(const sdk::host_api& host, const sdk::options& opts)
  : backend(host) {
  try {
    settings_ = read_options(opts);
    if (!settings_.log_directory_given) {
      // As dask-jobqueue and the systems themselves (slurm-ID.out in the
      // submit directory), logs go under the current directory by default:
      // usually on the file system the compute nodes share.
      std::error_code ec;
      auto dir = (fs::current_path(ec) / "troupe-batch-logs").string();
      if (!ec && directive_safe(dir))
        settings_.spec.log_directory = dir;
      else
        host.warn("batch: the current directory " + dir
                  + " cannot be named in a directive; set log_directory to keep job logs");
    }
    // What only a launch spec brings is filled with stand-ins, so a bad
    // option fails here, at configuration time, and not at the first scale.
    auto probe = settings_.spec;
    probe.scheduler_address = "tcp://127.0.0.1:1";
    if (probe.worker_command.empty())
      probe.worker_command = {"troupe-worker"};
    validate(probe);
    if (!settings_.spec.interface.empty())
      interface_address(settings_.spec.interface);  // here, not at the first scale
  } catch (const std::invalid_argument& e) {
    throw sdk::plugin_error(TROUPE_ERR_INVALID_ARGUMENT, e.what());
  }
  scripts_dir_ = make_scripts_dir();
  poller_ = std::thread{[this] { poll_loop(); }};  // last: nothing after it may throw
}

batch_backend::~batch_backend() {
  try {
    stop_all();
  } catch (const std::exception& e) {
    host().error(std::string{"batch: stopping jobs: "} + e.what());
  }
  {
    std::lock_guard lock{mutex_};
    quit_ = true;
  }
  poll_wake_.notify_all();
  poller_.join();
  std::error_code ec;
  fs::remove_all(scripts_dir_, ec);
}

// ---- the calls ---------------------------------------------------------------

void batch_backend::start_workers(const sdk::launch_spec& spec, std::uint32_t n) {
  if (n == TROUPE_WORKERS_DEFAULT)
    n = settings_.n_workers;
  {
    std::lock_guard lock{mutex_};
    last_spec_ = spec;
    stopping_ = false;
  }
  if (n == 0)
    return;
  auto per_job = static_cast<std::uint64_t>(settings_.spec.processes);
  submit(spec, static_cast<std::uint32_t>((n + per_job - 1) / per_job));
  std::lock_guard lock{mutex_};
  requested_ += n;
}

void batch_backend::scale(const sdk::launch_spec& spec, std::uint32_t n) {
  auto per_job = static_cast<std::uint64_t>(settings_.spec.processes);
  auto needed = static_cast<std::size_t>((n + per_job - 1) / per_job);
  std::vector<std::string> surplus;
  std::size_t live_jobs = 0;
  {
    std::lock_guard lock{mutex_};
    last_spec_ = spec;
    stopping_ = false;
    for (auto& j : jobs_)
      live_jobs += live(j) && !j.cancel_requested && !j.scheduler;
    // Newest first: the host retired the newest workers before calling.
    for (auto it = jobs_.rbegin(); it != jobs_.rend() && live_jobs - surplus.size() > needed; ++it)
      if (live(*it) && !it->cancel_requested && !it->scheduler) {
        it->cancel_requested = true;
        surplus.push_back(it->id);
      }
  }
  if (live_jobs < needed)
    submit(spec, static_cast<std::uint32_t>(needed - live_jobs));
  cancel(surplus);
  std::lock_guard lock{mutex_};
  requested_ = n;
}

void batch_backend::stop_worker(const std::string& id) {
  std::vector<std::string> ids;
  {
    std::lock_guard lock{mutex_};
    job* owner = nullptr;
    std::size_t index = 0;
    std::string known;
    for (auto& j : jobs_)
      for (std::size_t k = 0; k < j.workers.size(); ++k) {
        if (j.workers[k] == id) {
          owner = &j;
          index = k;
        }
        if (live(j))
          known += (known.empty() ? "" : ", ") + j.workers[k];
      }
    if (!owner)
      throw sdk::plugin_error(TROUPE_ERR_UNKNOWN_WORKER,
                              "batch: no worker named '" + id
                                + "' (workers of live jobs: " + (known.empty() ? "none" : known)
                                + ")");
    if (!live(*owner) || owner->worker_stopped[index])
      return;
    owner->worker_stopped[index] = true;
    if (requested_ > 0)
      --requested_;
    // A job's workers share its allocation: it is cancelled with its last.
    if (!owner->cancel_requested
        && std::all_of(owner->worker_stopped.begin(), owner->worker_stopped.end(),
                       [](bool b) { return b; })) {
      owner->cancel_requested = true;
      ids.push_back(owner->id);
    }
  }
  cancel(ids);
}

void batch_backend::stop_all() {
  std::vector<std::string> ids;
  {
    std::lock_guard lock{mutex_};
    requested_ = 0;
    stopping_ = true;
    for (auto& j : jobs_)
      if (live(j) && !j.cancel_requested) {
        j.cancel_requested = true;
        ids.push_back(j.id);
      }
  }
  cancel(ids);
  std::unique_lock lock{mutex_};
  auto none_live = [&] { return std::none_of(jobs_.begin(), jobs_.end(), live); };
  if (none_live())
    return;
  poll_now_ = true;
  poll_wake_.notify_all();
  if (changed_.wait_for(lock, settings_.stop_timeout, none_live))
    return;
  std::string left;
  for (auto& j : jobs_)
    if (live(j))
      left += (left.empty() ? "" : ", ") + j.id + " (" + state_name(j.state) + ")";
  throw sdk::plugin_error(
    TROUPE_ERR_SYSTEM,
    "batch: jobs still in the queue " + std::to_string(settings_.stop_timeout.count())
      + " ms after they were cancelled: " + left
      + (poll_problem_.empty() ? "" : "; the last status poll failed: " + poll_problem_));
}

sdk::status batch_backend::status() {
  std::lock_guard lock{mutex_};
  sdk::status s;
  s.requested = requested_;
  for (auto& j : jobs_)
    for (std::size_t k = 0; k < j.workers.size(); ++k) {
      sdk::worker_info w;
      w.id = j.workers[k];
      switch (j.end) {
        case ending::none:
          w.state = j.cancel_requested || j.worker_stopped[k] ? sdk::worker_state::stopping
                    : j.state == job_state::running          ? sdk::worker_state::running
                                                             : sdk::worker_state::starting;
          break;
        case ending::cancelled:
        case ending::finished:
          w.state = sdk::worker_state::exited;
          break;
        case ending::failed:
          w.state = sdk::worker_state::failed;
          w.exit_code = 1;  // the batch system gives no exit status per worker
          break;
      }
      if (j.end == ending::none)
        ++s.running;
      else
        ++s.exited;
      s.workers.push_back(std::move(w));
    }
  return s;
}

std::string batch_backend::scheduler_host() const {
  if (!settings_.scheduler_host.empty())
    return settings_.scheduler_host;
  if (!settings_.spec.interface.empty())
    return interface_address(settings_.spec.interface);
  // As dask-jobqueue: the machine's own name, which compute nodes resolve.
  char name[256] = {0};
  ::gethostname(name, sizeof name - 1);
  if (name[0] && resolves(name))
    return name;
  host().warn(std::string{"batch: this machine's name '"} + name
              + "' does not resolve; the scheduler listens on loopback, which only jobs on "
                "this machine reach (set 'interface' or 'scheduler_host')");
  return {};
}

std::string batch_backend::start_scheduler(const sdk::launch_spec& launch) {
  if (!settings_.scheduler_in_job)
    return {};
  auto s = settings_.spec;
  s.role = job_role::scheduler;
  s.cores = 1;
  s.processes = 1;
  s.memory = std::max<std::uint64_t>(s.memory / static_cast<std::uint64_t>(settings_.spec.processes),
                                     1024 * 1024);
  s.job_name += "-scheduler";
  s.walltime_margin = 0;
  s.worker_command = settings_.scheduler_command.empty() ? launch.argv : settings_.scheduler_command;
  for (const auto& kv : launch.env) {
    auto eq = kv.find('=');
    if (eq != std::string::npos && eq > 0)
      s.env.emplace(kv.substr(0, eq), kv.substr(eq + 1));
  }
  if (s.log_directory.empty())
    throw sdk::plugin_error(TROUPE_ERR_INVALID_ARGUMENT,
                            "batch: scheduler_placement = \"job\" needs log_directory: the "
                            "scheduler job writes its address there, for this host to read");
  std::uint64_t seq;
  {
    std::lock_guard lock{mutex_};
    seq = next_seq_++;
  }
  s.scheduler_file = s.log_directory + "/" + s.job_name + "-" + std::to_string(::getpid()) + "-"
                     + std::to_string(seq) + ".address";
  try {
    validate(s);
  } catch (const std::invalid_argument& e) {
    throw sdk::plugin_error(TROUPE_ERR_INVALID_ARGUMENT, e.what());
  }
  std::error_code ec;
  fs::create_directories(s.log_directory, ec);
  fs::remove(s.scheduler_file, ec);
  std::string id;
  try {
    id = submit_one(s, seq);
  } catch (const std::exception& e) {
    throw sdk::plugin_error(TROUPE_ERR_FAILED, std::string{"batch: the scheduler job: "} + e.what());
  }
  host().info("batch: submitted scheduler job " + id + "; waiting for " + s.scheduler_file);
  {
    job j;
    j.id = id;
    j.scheduler = true;
    std::lock_guard lock{mutex_};
    jobs_.push_back(std::move(j));
  }
  // Until the job writes its address, or ends, or the time is up. The
  // poller keeps the job's state; a job that ended cannot write any more.
  auto deadline = std::chrono::steady_clock::now() + settings_.scheduler_timeout;
  auto ended = [&] {
    std::lock_guard lock{mutex_};
    for (auto& j : jobs_)
      if (j.id == id)
        return !live(j);
    return true;
  };
  for (;;) {
    std::ifstream in{s.scheduler_file};
    std::string address;
    if (in && std::getline(in, address) && address.rfind("tcp://", 0) == 0)
      return address;
    if (ended())
      throw sdk::plugin_error(TROUPE_ERR_FAILED,
                              "batch: the scheduler job " + id + " ended before it wrote "
                                + s.scheduler_file + "; its log:\n"
                                + log_tail(log_files(s, id)));
    if (std::chrono::steady_clock::now() > deadline) {
      cancel({id});
      throw sdk::plugin_error(
        TROUPE_ERR_FAILED,
        "batch: the scheduler job " + id + " did not write " + s.scheduler_file + " within "
          + std::to_string(settings_.scheduler_timeout.count() / 1000)
          + " s (scheduler_timeout); it was cancelled (still pending in the queue? see squeue, "
            "qstat or bjobs)");
    }
    std::this_thread::sleep_for(std::chrono::milliseconds(100));
  }
}

std::string batch_backend::job_script(const sdk::launch_spec& spec) const {
  auto s = spec_for(spec);
  try {
    return batch_plugin::job_script(s);
  } catch (const std::invalid_argument& e) {
    throw sdk::plugin_error(TROUPE_ERR_INVALID_ARGUMENT, e.what());
  }
}

std::string batch_backend::job_script() const {
  std::optional<sdk::launch_spec> spec;
  {
    std::lock_guard lock{mutex_};
    spec = last_spec_;
  }
  if (!spec)
    throw std::logic_error("batch: no job script before the host has started the cluster "
                           "(it brings the scheduler address)");
  return job_script(*spec);
}

std::vector<std::string> batch_backend::job_ids() const {
  std::lock_guard lock{mutex_};
  std::vector<std::string> ids;
  for (auto& j : jobs_)
    ids.push_back(j.id);
  return ids;
}

// ---- submitting and cancelling ---------------------------------------------------

job_spec batch_backend::spec_for(const sdk::launch_spec& launch) const {
  auto s = settings_.spec;
  s.scheduler_address = launch.scheduler_address;
  // The host's worker command (this very program, when it called
  // troupe::init) unless the option names another. The launch spec's
  // threads, memory and name prefix are not used: a job's workers get
  // cores/processes and memory/processes, and names that carry the job id.
  if (!settings_.worker_command_given)
    s.worker_command = launch.argv;
  if (s.worker_command.empty())
    throw sdk::plugin_error(TROUPE_ERR_INVALID_ARGUMENT,
                            "batch: no worker command: the host gave none and option "
                            "'worker_command' is not set (e.g. \"/usr/bin/troupe worker\")");
  for (const auto& kv : launch.env) {  // the option's env wins over the host's
    auto eq = kv.find('=');
    if (eq != std::string::npos && eq > 0)
      s.env.emplace(kv.substr(0, eq), kv.substr(eq + 1));
  }
  try {
    validate(s);
  } catch (const std::invalid_argument& e) {
    throw sdk::plugin_error(TROUPE_ERR_INVALID_ARGUMENT, e.what());
  }
  return s;
}

void batch_backend::submit(const sdk::launch_spec& launch, std::uint32_t jobs) {
  auto spec = spec_for(launch);
  if (!spec.log_directory.empty()) {
    std::error_code ec;
    fs::create_directories(spec.log_directory, ec);
    if (ec)
      throw sdk::plugin_error(TROUPE_ERR_SYSTEM, "batch: cannot create log_directory "
                                                   + spec.log_directory + ": " + ec.message());
  }
  for (std::uint32_t i = 0; i < jobs; ++i) {
    std::uint64_t seq;
    {
      std::lock_guard lock{mutex_};
      seq = next_seq_++;
    }
    std::string id;
    try {
      id = submit_one(spec, seq);
    } catch (const std::exception& e) {
      std::string done = i > 0 ? " (" + std::to_string(i) + " of " + std::to_string(jobs)
                                   + " jobs were submitted)"
                               : "";
      throw sdk::plugin_error(TROUPE_ERR_FAILED, e.what() + done);
    }
    job j;
    j.id = id;
    for (std::int64_t k = 0; k < spec.processes; ++k)
      j.workers.push_back(spec.job_name + "-" + id + "-" + std::to_string(k));
    j.worker_stopped.assign(j.workers.size(), false);
    host().info("batch: submitted job " + id + " (" + std::to_string(j.workers.size())
                + " workers)");
    std::lock_guard lock{mutex_};
    jobs_.push_back(std::move(j));
  }
}

std::string batch_backend::submit_one(const job_spec& spec, std::uint64_t seq) {
  auto base = scripts_dir_ + "/job-" + std::to_string(seq);
  command c;
  if (spec.system == job_system::htcondor) {
    auto files = htcondor_files(spec, base + ".sh");
    write_file(base + ".sh", files.executable, 0700);
    write_file(base + ".sub", files.submit_description, 0600);
    c = submit_command(spec, base + ".sub");
  } else {
    write_file(base + ".sh", batch_plugin::job_script(spec), 0700);
    c = submit_command(spec, base + ".sh");
  }
  auto r = run_command(c, settings_.command_timeout);
  if (r.exit_code != 0)
    throw std::runtime_error("batch: '" + command_text(c) + "' " + exit_text(r.exit_code) + ": "
                             + trimmed(r.err.empty() ? r.out : r.err));
  return parse_job_id(spec.system, r.out);
}

void batch_backend::cancel(std::vector<std::string> ids) {
  if (ids.empty())
    return;
  auto c = cancel_command(settings_.spec.system, ids);
  auto r = run_command(c, settings_.command_timeout);  // throws: not installed, hung
  // Non-zero is common and harmless (a job that ended meanwhile); the
  // poller decides whether the jobs leave the queue.
  if (r.exit_code != 0)
    host().warn("batch: '" + command_text(c) + "' " + exit_text(r.exit_code) + ": "
                + trimmed(r.err.empty() ? r.out : r.err));
  std::lock_guard lock{mutex_};
  poll_now_ = true;
  poll_wake_.notify_all();
}

// ---- the poller thread ---------------------------------------------------------

void batch_backend::poll_loop() {
  const auto sys = settings_.spec.system;
  std::unique_lock lock{mutex_};
  for (;;) {
    // While stopping, jobs leaving the queue are what stop_all waits for:
    // look more often than the configured interval.
    auto interval = stopping_ ? std::min<std::chrono::milliseconds>(settings_.poll_interval,
                                                                     std::chrono::milliseconds(100))
                              : settings_.poll_interval;
    poll_wake_.wait_for(lock, interval, [&] { return quit_ || poll_now_; });
    if (quit_)
      return;
    poll_now_ = false;
    std::vector<std::string> ids;
    for (auto& j : jobs_)
      if (live(j))
        ids.push_back(j.id);
    if (ids.empty()) {
      ++polls_;
      changed_.notify_all();
      continue;
    }
    lock.unlock();
    poll_reading reading;
    try {
      auto c = status_command(sys, ids);
      reading = read_status(sys, c, run_command(c, settings_.command_timeout));
    } catch (const std::exception& e) {
      reading.problem = e.what();
    }
    std::vector<event> events;
    lock.lock();
    if (reading.states) {
      if (!poll_problem_.empty())
        host().info("batch: job states can be read again");
      poll_problem_.clear();
      // Only the ids asked about: a job submitted meanwhile is not missing.
      for (auto& j : jobs_)
        if (std::find(ids.begin(), ids.end(), j.id) != ids.end())
          update_locked(j, state_of(sys, *reading.states, j.id), events);
    } else if (reading.problem != poll_problem_) {  // once per new problem, not every poll
      poll_problem_ = reading.problem;
      host().warn("batch: cannot read job states: " + poll_problem_);
    }
    ++polls_;
    bool ended_on_its_own = std::exchange(replace_pending_, false);
    if (!events.empty() || ended_on_its_own) {
      lock.unlock();
      emit(events);
      if (ended_on_its_own)
        replace_ended_jobs();
      lock.lock();
    }
    changed_.notify_all();
  }
}

void batch_backend::replace_ended_jobs() {
  std::optional<sdk::launch_spec> spec;
  std::size_t missing = 0;
  {
    std::lock_guard lock{mutex_};
    if (stopping_ || !last_spec_)
      return;
    auto per_job = static_cast<std::size_t>(settings_.spec.processes);
    auto needed = (static_cast<std::size_t>(requested_) + per_job - 1) / per_job;
    std::size_t live_jobs = 0;
    for (auto& j : jobs_)
      live_jobs += live(j) && !j.cancel_requested && !j.scheduler;
    if (live_jobs >= needed)
      return;
    missing = needed - live_jobs;
    spec = last_spec_;
  }
  try {
    host().info("batch: submitting " + std::to_string(missing)
                + " job(s) to replace jobs whose workers retired before the walltime");
    submit(*spec, static_cast<std::uint32_t>(missing));
  } catch (const std::exception& e) {
    host().error(std::string{"batch: replacing ended jobs: "} + e.what());
  }
  // stop_all may have run while we submitted: it did not see these jobs.
  std::vector<std::string> late;
  {
    std::lock_guard lock{mutex_};
    if (!stopping_)
      return;
    for (auto& j : jobs_)
      if (live(j) && !j.cancel_requested) {
        j.cancel_requested = true;
        late.push_back(j.id);
      }
  }
  try {
    cancel(late);
  } catch (const std::exception& e) {
    host().error(std::string{"batch: cancelling replacement jobs: "} + e.what());
  }
}

void batch_backend::update_locked(job& j, job_state st, std::vector<event>& events) {
  if (!live(j))
    return;
  switch (st) {
    case job_state::pending:
      j.seen = true;
      j.state = st;
      break;
    case job_state::running:
      j.seen = true;
      j.state = st;
      if (!j.ran) {
        j.ran = true;
        j.running_since = std::chrono::steady_clock::now();
        for (auto& w : j.workers)
          events.push_back({w, TROUPE_EVENT_STARTED, 0, "job " + j.id + " is running"});
      }
      break;
    case job_state::failed:
      end_locked(j, ending::failed, "job " + j.id + " failed", events);
      break;
    case job_state::gone:
      // Some systems list a job a moment after its submission returned:
      // one miss before it was ever listed is not yet an ending.
      if (!j.seen && !j.cancel_requested && ++j.missing < 2)
        break;
      if (j.cancel_requested)
        end_locked(j, ending::cancelled, "job " + j.id + " cancelled", events);
      else if (j.ran) {
        end_locked(j, ending::finished, "job " + j.id + " ended on its own", events);
        // Its workers retired ahead of the walltime (--lifetime): replace it.
        // A job that ends much sooner is not replaced, so that workers that
        // exit at once (cannot reach the scheduler, say) do not start a loop
        // of submissions.
        auto margin = effective_walltime_margin(settings_.spec);
        auto lifetime = settings_.spec.walltime - margin;  // before the stagger
        auto ran_for = std::chrono::steady_clock::now() - j.running_since;
        if (!j.scheduler && margin > 0 && ran_for >= std::chrono::seconds(lifetime) / 2)
          replace_pending_ = true;
      }
      else
        end_locked(j, ending::failed,
                   "job " + j.id + " left the queue before it was seen running", events);
      break;
  }
}

void batch_backend::end_locked(job& j, ending how, const std::string& why,
                               std::vector<event>& events) {
  j.end = how;
  j.state = how == ending::failed ? job_state::failed : job_state::gone;
  std::string detail = why;
  int kind = TROUPE_EVENT_EXITED;
  int code = 0;
  if (how != ending::cancelled) {
    // What the job printed is usually the only clue: a worker command that
    // does not exist on the node, an unreachable scheduler, a bad module.
    detail += "; its log:\n" + log_tail(log_files(settings_.spec, j.id));
    if (how == ending::failed) {
      kind = TROUPE_EVENT_FAILED;
      code = 1;
      host().error("batch: " + detail);
    } else {
      host().warn("batch: " + detail);
    }
  }
  for (auto& w : j.workers)
    events.push_back({w, kind, code, detail});
}

void batch_backend::emit(std::vector<event>& events) {
  for (auto& e : events)
    host().worker_event(e.worker, e.kind, e.exit_code, e.detail);
  events.clear();
}

}  // namespace troupe::batch_plugin
