// FAKE batch system: tiny shell scripts named sbatch, squeue and scancel
// keep job states in files, so this test can drive the plugin's own
// bookkeeping (jobs per scale(n), newest-first cancelling, the poller's
// state changes and events, the log tail of a failed job, stop_all
// waiting for the queue to empty). It proves nothing about Slurm: what
// the real commands print and do is the real Slurm integration test's job.
#include <chrono>
#include <condition_variable>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <mutex>
#include <optional>
#include <sstream>
#include <string>
#include <vector>

#include <unistd.h>

#include <gtest/gtest.h>

#include "batch_backend.hpp"

using namespace troupe::batch_plugin;
namespace sdk = troupe::sdk;
namespace fs = std::filesystem;
using namespace std::chrono_literals;

namespace {

struct recorded_event {
  std::string worker;
  int kind;
  std::string detail;
};

// The host side: worker events collected from the poller thread.
class event_recorder {
public:
  event_recorder() {
    api_.struct_size = sizeof api_;
    api_.host_ctx = this;
    api_.worker_event = [](void* ctx, const char* id, int kind, int, const char* detail) {
      auto* self = static_cast<event_recorder*>(ctx);
      std::lock_guard lock{self->mutex_};
      self->events_.push_back({id, kind, detail ? detail : ""});
      self->changed_.notify_all();
    };
  }
  sdk::host_api host() const { return sdk::host_api{&api_}; }

  /// The event of `kind` for `worker`, waiting up to 20 s for it.
  std::optional<recorded_event> wait_for(const std::string& worker, int kind) {
    std::unique_lock lock{mutex_};
    std::optional<recorded_event> found;
    changed_.wait_for(lock, 20s, [&] {
      for (auto& e : events_)
        if (e.worker == worker && e.kind == kind) {
          found = e;
          return true;
        }
      return false;
    });
    return found;
  }

private:
  troupe_host_api api_{};
  std::mutex mutex_;
  std::condition_variable changed_;
  std::vector<recorded_event> events_;
};

void write_file(const fs::path& p, const std::string& text, bool executable = false) {
  {
    std::ofstream out{p, std::ios::trunc};
    out << text;
  }
  if (executable)
    fs::permissions(p, fs::perms::owner_all);
}

std::string read_file(const fs::path& p) {
  std::ifstream in{p};
  std::ostringstream s;
  s << in.rdbuf();
  return s.str();
}

// The FAKE sbatch/squeue/scancel in DIR/bin; job N's state in DIR/N.state.
class fake_slurm {
public:
  fake_slurm() {
    dir_ = fs::temp_directory_path() / ("troupe-fake-slurm-" + std::to_string(::getpid()));
    fs::remove_all(dir_);
    fs::create_directories(dir_ / "bin");
    fs::create_directories(dir_ / "logs");
    write_file(dir_ / "bin/sbatch",
               "#!/bin/sh\n"
               "d=\"$FAKE_SLURM_DIR\"\n"
               "n=$(( $(cat \"$d/next\" 2>/dev/null || echo 0) + 1 ))\n"
               "echo $n > \"$d/next\"\n"
               "echo \"$*\" > \"$d/$n.argv\"\n"
               "for last; do :; done\n"
               "cp \"$last\" \"$d/$n.sh\"\n"
               "echo PENDING > \"$d/$n.state\"\n"
               "echo $n\n",
               true);
    write_file(dir_ / "bin/squeue",
               "#!/bin/sh\n"
               "d=\"$FAKE_SLURM_DIR\"\n"
               "for a; do case $a in --jobs=*) ids=${a#--jobs=};; esac; done\n"
               "IFS=,\n"
               "for id in $ids; do\n"
               "  if [ -f \"$d/$id.state\" ]; then echo \"$id $(cat \"$d/$id.state\")\"; fi\n"
               "done\n",
               true);
    write_file(dir_ / "bin/scancel",
               "#!/bin/sh\n"
               "for id; do echo CANCELLED > \"$FAKE_SLURM_DIR/$id.state\"; done\n",
               true);
    old_path_ = std::getenv("PATH") ? std::getenv("PATH") : "";
    ::setenv("PATH", ((dir_ / "bin").string() + ":" + old_path_).c_str(), 1);
    ::setenv("FAKE_SLURM_DIR", dir_.c_str(), 1);
  }
  ~fake_slurm() {
    ::setenv("PATH", old_path_.c_str(), 1);
    ::unsetenv("FAKE_SLURM_DIR");
    std::error_code ec;
    fs::remove_all(dir_, ec);
  }
  void set_state(const std::string& id, const std::string& state) {
    write_file(dir_ / (id + ".state"), state + "\n");
  }
  std::string state(const std::string& id) { return read_file(dir_ / (id + ".state")); }
  std::string argv(const std::string& id) { return read_file(dir_ / (id + ".argv")); }
  std::string script(const std::string& id) { return read_file(dir_ / (id + ".sh")); }
  fs::path logs() const { return dir_ / "logs"; }

private:
  fs::path dir_;
  std::string old_path_;
};

sdk::options options(const fake_slurm& fake) {
  static std::vector<std::string> text;
  text = {"slurm", "2", std::to_string(1LL << 30), "2", fake.logs().string(), "50 ms"};
  std::vector<troupe_option> o(6);
  o[0] = {"system", TROUPE_OPTION_STRING, 0, 0, 0, text[0].c_str()};
  o[1] = {"cores", TROUPE_OPTION_INT, 0, 2, 2, text[1].c_str()};
  o[2] = {"memory", TROUPE_OPTION_BYTES, 0, 1LL << 30, 0, text[2].c_str()};
  o[3] = {"processes", TROUPE_OPTION_INT, 0, 2, 2, text[3].c_str()};
  o[4] = {"log_directory", TROUPE_OPTION_STRING, 0, 0, 0, text[4].c_str()};
  o[5] = {"poll_interval", TROUPE_OPTION_DURATION, 0, 50000000, 0.05, text[5].c_str()};
  return sdk::options{o.data(), o.size()};
}

sdk::launch_spec launch() {
  sdk::launch_spec s;
  s.scheduler_address = "tcp://127.0.0.1:8786";
  s.argv = {"/opt/app", "--troupe-worker"};
  return s;
}

}  // namespace

TEST(batch_fake_slurm, scale_poll_cancel_and_stop) {
  fake_slurm fake;
  event_recorder events;
  batch_backend b{events.host(), options(fake)};

  // 3 workers at 2 per job: 2 jobs, submitted with --parsable and the script.
  b.scale(launch(), 3);
  ASSERT_EQ(b.job_ids(), (std::vector<std::string>{"1", "2"}));
  EXPECT_EQ(fake.argv("1").rfind("--parsable ", 0), 0U) << fake.argv("1");
  EXPECT_NE(fake.script("1").find("/opt/app --troupe-worker tcp://127.0.0.1:8786 --nthreads 1"),
            std::string::npos);
  auto st = b.status();
  EXPECT_EQ(st.requested, 3U);
  ASSERT_EQ(st.workers.size(), 4U);
  EXPECT_EQ(st.workers[0].id, "troupe-worker-1-0");
  EXPECT_EQ(st.workers[3].id, "troupe-worker-2-1");
  EXPECT_EQ(st.workers[0].state, sdk::worker_state::starting);

  // Running: each of the job's workers is reported started.
  fake.set_state("1", "RUNNING");
  ASSERT_TRUE(events.wait_for("troupe-worker-1-0", TROUPE_EVENT_STARTED));
  ASSERT_TRUE(events.wait_for("troupe-worker-1-1", TROUPE_EVENT_STARTED));
  EXPECT_EQ(b.status().workers[0].state, sdk::worker_state::running);

  // Down to 2 workers: one job; the newest (2) is cancelled.
  b.scale(launch(), 2);
  EXPECT_EQ(fake.state("2"), "CANCELLED\n");
  EXPECT_EQ(fake.state("1"), "RUNNING\n");
  auto gone = events.wait_for("troupe-worker-2-1", TROUPE_EVENT_EXITED);
  ASSERT_TRUE(gone);
  EXPECT_EQ(gone->detail, "job 2 cancelled");

  // A job the system fails is reported with its log's tail.
  write_file(fake.logs() / "troupe-worker-1.err", "srun: error: /opt/app: not found\n");
  fake.set_state("1", "FAILED");
  auto failed = events.wait_for("troupe-worker-1-0", TROUPE_EVENT_FAILED);
  ASSERT_TRUE(failed);
  EXPECT_NE(failed->detail.find("job 1 failed; its log:"), std::string::npos) << failed->detail;
  EXPECT_NE(failed->detail.find("srun: error: /opt/app: not found"), std::string::npos)
    << failed->detail;
  EXPECT_EQ(b.status().workers[0].state, sdk::worker_state::failed);

  // Job 1 failed, so 2 workers need a new job (3); stop_all cancels it and
  // returns once the poller has seen it leave.
  b.scale(launch(), 2);
  ASSERT_EQ(b.job_ids().back(), "3");
  b.stop_all();
  EXPECT_EQ(fake.state("3"), "CANCELLED\n");
  st = b.status();
  EXPECT_EQ(st.running, 0U);
  EXPECT_EQ(st.requested, 0U);
}

TEST(batch_fake_slurm, stop_worker_cancels_a_job_with_its_last_worker) {
  fake_slurm fake;
  event_recorder events;
  batch_backend b{events.host(), options(fake)};
  b.scale(launch(), 2);  // one job of 2 workers
  ASSERT_EQ(b.job_ids(), (std::vector<std::string>{"1"}));
  b.stop_worker("troupe-worker-1-1");
  EXPECT_EQ(fake.state("1"), "PENDING\n");  // its other worker still counts
  EXPECT_EQ(b.status().workers[1].state, sdk::worker_state::stopping);
  b.stop_worker("troupe-worker-1-0");
  EXPECT_EQ(fake.state("1"), "CANCELLED\n");
  EXPECT_THROW(b.stop_worker("nobody"), sdk::plugin_error);
}
