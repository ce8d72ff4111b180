// The batch backend without a batch system: options read as the host hands
// them over, job_script() from the backend, the status command's failures
// read from recorded stderr, log tails from real files, and the clear error
// when the submit program is not installed. Nothing here stands in for
// Slurm: submitting, polling and cancelling real jobs is the Slurm
// integration test's job.
#include <chrono>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <functional>
#include <optional>
#include <map>
#include <stdexcept>
#include <string>
#include <vector>

#include <unistd.h>

#include <gtest/gtest.h>

#include "batch_backend.hpp"
#include "job_logs.hpp"
#include "plugin_options.hpp"
#include "status_poll.hpp"

using namespace troupe::batch_plugin;
namespace sdk = troupe::sdk;
namespace fs = std::filesystem;

namespace {

constexpr std::int64_t GiB = 1024LL * 1024 * 1024;

// Options as the host passes them after checking the schema: typed values
// plus their text.
class option_list {
public:
  option_list& str(const char* key, std::string v) {
    auto& o = add(key, TROUPE_OPTION_STRING, v);
    (void)o;
    return *this;
  }
  option_list& integer(const char* key, std::int64_t v) {
    auto& o = add(key, TROUPE_OPTION_INT, std::to_string(v));
    o.int_value = v;
    o.float_value = static_cast<double>(v);
    return *this;
  }
  option_list& bytes(const char* key, std::int64_t v) {
    auto& o = add(key, TROUPE_OPTION_BYTES, std::to_string(v));
    o.int_value = v;
    return *this;
  }
  option_list& seconds(const char* key, std::int64_t s) {
    auto& o = add(key, TROUPE_OPTION_DURATION, std::to_string(s));
    o.int_value = s * 1000000000LL;
    o.float_value = static_cast<double>(s);
    return *this;
  }
  sdk::options get() const {
    std::vector<troupe_option> c;
    for (std::size_t i = 0; i < keys_.size(); ++i) {
      auto o = values_[i];
      o.key = keys_[i].c_str();
      o.string_value = texts_[i].c_str();
      c.push_back(o);
    }
    return sdk::options{c.data(), c.size()};
  }

private:
  troupe_option& add(const char* key, std::uint32_t type, std::string text) {
    keys_.emplace_back(key);
    texts_.push_back(std::move(text));
    troupe_option o{};
    o.type = type;
    values_.push_back(o);
    return values_.back();
  }
  std::vector<std::string> keys_, texts_;
  std::vector<troupe_option> values_;
};

option_list slurm_options() {
  option_list o;
  o.str("system", "slurm").integer("cores", 4).bytes("memory", 8 * GiB);
  return o;
}

std::string error_of(const std::function<void()>& f) {
  try {
    f();
  } catch (const std::exception& e) {
    return e.what();
  }
  return "no error";
}

sdk::launch_spec launch() {
  sdk::launch_spec s;
  s.scheduler_address = "tcp://10.0.0.5:8786";
  s.argv = {"/opt/app/bin/my-app", "--troupe-worker"};
  return s;
}

// Sets an environment variable for one scope.
class scoped_env {
public:
  scoped_env(const char* name, const char* value) : name_(name) {
    if (const char* old = std::getenv(name))
      old_ = old;
    ::setenv(name, value, 1);
  }
  ~scoped_env() {
    if (old_)
      ::setenv(name_, old_->c_str(), 1);
    else
      ::unsetenv(name_);
  }

private:
  const char* name_;
  std::optional<std::string> old_;
};

}  // namespace

// ---- options ---------------------------------------------------------------

TEST(batch_options, lists_are_one_item_per_line) {
  EXPECT_EQ(lines_option("--exclusive\n  --gres=gpu:1  \n\n"),
            (std::vector<std::string>{"--exclusive", "--gres=gpu:1"}));
  EXPECT_TRUE(lines_option("").empty());
  EXPECT_EQ(lines_option("module load x; echo 'a b'"),
            (std::vector<std::string>{"module load x; echo 'a b'"}));
}

TEST(batch_options, argv_options_split_one_line_at_spaces_or_take_lines) {
  EXPECT_EQ(argv_option("/usr/bin/troupe  worker"),
            (std::vector<std::string>{"/usr/bin/troupe", "worker"}));
  EXPECT_EQ(argv_option("--resources\nGPU=1 fast\n"),
            (std::vector<std::string>{"--resources", "GPU=1 fast"}));
  EXPECT_TRUE(argv_option("  ").empty());
  // A TOML multi-line string with one line of words is still words.
  EXPECT_EQ(argv_option("\n/usr/bin/troupe worker\n"),
            (std::vector<std::string>{"/usr/bin/troupe", "worker"}));
}

TEST(batch_options, env_is_key_value_per_line) {
  EXPECT_EQ(env_option("OMP_NUM_THREADS=1\nGREETING=hello world\nEMPTY="),
            (std::map<std::string, std::string>{
              {"EMPTY", ""}, {"GREETING", "hello world"}, {"OMP_NUM_THREADS", "1"}}));
  auto msg = error_of([] { env_option("JUSTANAME"); });
  EXPECT_EQ(msg, "batch: option 'env' expects one KEY=VALUE per line, got \"JUSTANAME\"");
}

TEST(batch_options, walltime_in_dask_jobqueue_form_or_with_a_unit) {
  EXPECT_EQ(parse_walltime(""), 0);
  EXPECT_EQ(parse_walltime("00:30:00"), 1800);
  EXPECT_EQ(parse_walltime("1-02:03:04"), 86400 + 7384);
  EXPECT_EQ(parse_walltime("48:00:00"), 172800);
  EXPECT_EQ(parse_walltime("3600"), 3600);
  EXPECT_EQ(parse_walltime("90 min"), 5400);
  EXPECT_EQ(parse_walltime("2h"), 7200);
  for (auto bad : {"30:00", "00:61:00", "soon", "1.5 h", "-1", "1-", "2 days"}) {
    auto msg = error_of([&] { parse_walltime(bad); });
    EXPECT_EQ(msg.rfind("batch: option 'walltime' expects \"HH:MM:SS\", \"D-HH:MM:SS\" or "
                        "seconds with an optional unit",
                        0),
              0U)
      << bad << ": " << msg;
  }
}

TEST(batch_options, read_into_a_job_spec) {
  auto o = slurm_options();
  o.integer("processes", 2)
    .str("queue", "debug")
    .str("walltime", "01:00:00")
    .str("job_extra_directives", "--exclusive\n--gres=gpu:1")
    .str("worker_command", "/usr/bin/troupe worker")
    .str("worker_extra_args", "--resources GPU=1")
    .seconds("death_timeout", 60)
    .str("env", "A=1\nB=two words")
    .str("submit_command_extra", "--hold")
    .seconds("poll_interval", 2)
    .integer("n_workers", 4);
  auto s = read_options(o.get());
  EXPECT_EQ(s.spec.system, job_system::slurm);
  EXPECT_EQ(s.spec.cores, 4);
  EXPECT_EQ(s.spec.memory, static_cast<std::uint64_t>(8 * GiB));
  EXPECT_EQ(s.spec.processes, 2);
  EXPECT_EQ(s.spec.queue, "debug");
  EXPECT_EQ(s.spec.walltime, 3600);
  EXPECT_EQ(s.spec.job_extra_directives, (std::vector<std::string>{"--exclusive", "--gres=gpu:1"}));
  EXPECT_EQ(s.spec.worker_command, (std::vector<std::string>{"/usr/bin/troupe", "worker"}));
  EXPECT_TRUE(s.worker_command_given);
  EXPECT_EQ(s.spec.worker_extra_args, (std::vector<std::string>{"--resources", "GPU=1"}));
  EXPECT_EQ(s.spec.death_timeout, 60);
  EXPECT_EQ(s.spec.env.at("B"), "two words");
  EXPECT_EQ(s.spec.submit_command_extra, (std::vector<std::string>{"--hold"}));
  EXPECT_EQ(s.poll_interval, std::chrono::seconds(2));
  EXPECT_EQ(s.n_workers, 4U);
}

// ---- the backend, without submitting -------------------------------------------

TEST(batch_backend, bad_options_fail_at_create_naming_the_option) {
  auto make = [](option_list o) {
    return error_of([&] { batch_backend b{sdk::host_api{}, o.get()}; });
  };
  option_list sys;
  sys.str("system", "slrum").integer("cores", 4).bytes("memory", GiB);
  EXPECT_EQ(make(sys),
            "batch: option 'system' expects one of slurm, sge, pbs, lsf, htcondor, got \"slrum\"");
  auto cores = slurm_options();
  cores.integer("cores", 0);
  EXPECT_EQ(make(cores), "batch: option 'cores' expects an integer >= 1, got 0");
  auto procs = slurm_options();
  procs.integer("processes", 8);
  EXPECT_EQ(make(procs), "batch: option 'processes' expects an integer from 1 to cores (4), got 8");
  auto queue = slurm_options();
  queue.str("queue", "debug; rm -rf ~");
  EXPECT_NE(make(queue).find("batch: option 'queue' expects only letters, digits"),
            std::string::npos)
    << make(queue);
  auto units = slurm_options();
  units.str("lsf_units", "kB");
  EXPECT_EQ(make(units), "batch: option 'lsf_units' expects one of KB, MB, GB, TB, got \"kB\"");
  auto pe = slurm_options();
  pe.str("parallel_environment", "smp");
  EXPECT_EQ(make(pe), "batch: option 'parallel_environment' expects nothing for slurm (it is an "
                      "SGE option), got \"smp\"");
  auto wall = slurm_options();
  wall.str("walltime", "30:00");
  EXPECT_NE(make(wall).find("option 'walltime' expects \"HH:MM:SS\""), std::string::npos);
}

TEST(batch_backend, job_script_uses_the_hosts_worker_command_and_address) {
  auto o = slurm_options();
  o.str("queue", "debug").str("walltime", "00:30:00").str("log_directory", "/shared/logs");
  batch_backend b{sdk::host_api{}, o.get()};
  EXPECT_THROW(b.job_script(), std::logic_error);  // no launch spec yet
  auto text = b.job_script(launch());
  EXPECT_NE(text.find("#SBATCH --partition=debug\n"), std::string::npos) << text;
  EXPECT_NE(text.find("#SBATCH --time=00:30:00\n"), std::string::npos) << text;
  EXPECT_NE(text.find("#SBATCH --output=/shared/logs/troupe-worker-%j.out\n"), std::string::npos)
    << text;
  EXPECT_NE(text.find("/opt/app/bin/my-app --troupe-worker tcp://10.0.0.5:8786 --nthreads 4 "
                      "--memory-limit 8589934592 --name troupe-worker-\"${SLURM_JOB_ID}\"-0 "
                      // 30 min: retire 3 min (a tenth) before, up to 36 s sooner
                      "--lifetime 1620 --lifetime-stagger 36 &"),
            std::string::npos)
    << text;
  EXPECT_TRUE(b.job_ids().empty());  // job_script() submits nothing
  EXPECT_EQ(b.status().workers.size(), 0U);
}

TEST(batch_backend, worker_command_option_beats_the_hosts) {
  auto o = slurm_options();
  o.str("worker_command", "/usr/bin/troupe worker").str("log_directory", "/shared/logs");
  batch_backend b{sdk::host_api{}, o.get()};
  auto text = b.job_script(launch());
  EXPECT_NE(text.find("/usr/bin/troupe worker tcp://10.0.0.5:8786 "), std::string::npos) << text;
  EXPECT_EQ(text.find("my-app"), std::string::npos) << text;
}

TEST(batch_backend, no_worker_command_from_either_side_is_an_error) {
  batch_backend b{sdk::host_api{}, slurm_options().get()};
  auto spec = launch();
  spec.argv.clear();
  auto msg = error_of([&] { b.job_script(spec); });
  EXPECT_NE(msg.find("no worker command"), std::string::npos) << msg;
}

TEST(batch_backend, default_log_directory_is_under_the_current_directory) {
  batch_backend b{sdk::host_api{}, slurm_options().get()};
  EXPECT_EQ(b.settings().spec.log_directory, (fs::current_path() / "troupe-batch-logs").string());
}

TEST(batch_backend, scale_without_the_submit_program_is_a_clear_error) {
  // PATH names an empty directory: this machine's sbatch, if any, is not run.
  auto empty = fs::temp_directory_path() / ("troupe-empty-path-" + std::to_string(::getpid()));
  fs::create_directories(empty);
  auto o = slurm_options();
  o.str("log_directory", (empty / "logs").string());
  {
    scoped_env path{"PATH", empty.c_str()};
    batch_backend b{sdk::host_api{}, o.get()};
    auto msg = error_of([&] { b.scale(launch(), 2); });
    EXPECT_NE(msg.find("cannot run 'sbatch'"), std::string::npos) << msg;
    EXPECT_NE(msg.find("not found in PATH=" + empty.string()), std::string::npos) << msg;
    EXPECT_TRUE(b.job_ids().empty());
    EXPECT_EQ(b.status().requested, 0U);
  }  // the destructor has no job to cancel
  fs::remove_all(empty);
}

// ---- reading the status command ----------------------------------------------

TEST(batch_status, unknown_job_complaints_mean_gone) {
  command c{{"squeue"}, ""};
  auto r = read_status(job_system::slurm, c,
                       {1, "", "slurm_load_jobs error: Invalid job id specified\n"});
  ASSERT_TRUE(r.states) << r.problem;
  EXPECT_EQ(state_of(job_system::slurm, *r.states, "42"), job_state::gone);

  r = read_status(job_system::pbs, c,
                  {153, "", "qstat: Unknown Job Id Error 17.server\n"});
  ASSERT_TRUE(r.states) << r.problem;

  r = read_status(job_system::lsf, c, {255, "", "Job <17> is not found\n"});
  ASSERT_TRUE(r.states) << r.problem;
}

TEST(batch_status, other_failures_are_problems_quoting_the_output) {
  command c{{"squeue", "--jobs=1"}, ""};
  auto r = read_status(job_system::slurm, c,
                       {1, "", "squeue: error: Unable to contact slurm controller\n"});
  EXPECT_FALSE(r.states);
  EXPECT_EQ(r.problem, "'squeue --jobs=1' exited with code 1: \"squeue: error: Unable to contact "
                       "slurm controller\n\"");
  r = read_status(job_system::slurm, c, {0, "this is not squeue\n", ""});
  EXPECT_FALSE(r.states);
  EXPECT_NE(r.problem.find("this is not squeue"), std::string::npos) << r.problem;
}

// ---- log tails -------------------------------------------------------------------

TEST(batch_logs, file_names_follow_the_directives) {
  job_spec s;
  s.log_directory = "/l";
  s.job_name = "w";
  s.system = job_system::slurm;
  EXPECT_EQ(log_files(s, "17"), (std::vector<std::string>{"/l/w-17.out", "/l/w-17.err"}));
  s.system = job_system::sge;
  EXPECT_EQ(log_files(s, "17"), (std::vector<std::string>{"/l/w.o17", "/l/w.e17"}));
  s.system = job_system::pbs;
  EXPECT_EQ(log_files(s, "17.srv"), (std::vector<std::string>{"/l/w.o17", "/l/w.e17",
                                                              "/l/w.o17.srv", "/l/w.e17.srv"}));
  s.log_directory.clear();
  EXPECT_TRUE(log_files(s, "17").empty());
}

TEST(batch_logs, tail_shows_the_last_lines_of_each_file) {
  auto dir = fs::temp_directory_path() / ("troupe-logs-" + std::to_string(::getpid()));
  fs::create_directories(dir);
  {
    std::ofstream out{dir / "a.out"};
    for (int i = 1; i <= 30; ++i)
      out << "line " << i << "\n";
    std::ofstream err{dir / "a.err"};
    err << "/opt/app: No such file or directory\n";
    std::ofstream empty{dir / "b.out"};
  }
  auto tail = log_tail({(dir / "a.out").string(), (dir / "a.err").string(),
                        (dir / "b.out").string(), (dir / "missing").string()},
                       3);
  EXPECT_EQ(tail, "==> " + (dir / "a.out").string() + " <==\nline 28\nline 29\nline 30\n==> "
                    + (dir / "a.err").string() + " <==\n/opt/app: No such file or directory\n");
  auto none = log_tail({(dir / "missing").string()});
  EXPECT_EQ(none, "(no log output: " + (dir / "missing").string() + " missing or empty)");
  // A byte limit cuts whole lines only.
  auto cut = log_tail({(dir / "a.out").string()}, 20, 12);
  EXPECT_EQ(cut, "==> " + (dir / "a.out").string() + " <==\nline 30\n");
  fs::remove_all(dir);
}
