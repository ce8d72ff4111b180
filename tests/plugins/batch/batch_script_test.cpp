// The batch plugin's core without a batch system: the exact job scripts
// (golden files), that bash accepts them and that no option value can
// inject shell code, job ids and states read from recorded command output,
// and validation messages that name the option.
//
// Golden files: tests/plugins/batch/golden/<case>.golden hold the exact
// job_script() text. Run with TROUPE_UPDATE_GOLDEN=1 to rewrite them after
// an intended change, then review the diff line by line against the
// systems' documentation before committing.
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <sstream>
#include <stdexcept>
#include <string>
#include <vector>

#include <gtest/gtest.h>

#include "job_script.hpp"
#include "job_system.hpp"
#include "run_program.hpp"
#include "validate.hpp"

namespace fs = std::filesystem;
using namespace troupe::batch_plugin;
using troupe::batch_test::run_program;

namespace {

constexpr std::uint64_t MiB = 1024 * 1024;
constexpr std::uint64_t GiB = 1024 * MiB;

const fs::path data_dir{BATCH_TEST_DATA};

std::string read_text(const fs::path& p) {
  std::ifstream in{p, std::ios::binary};
  if (!in)
    throw std::runtime_error("cannot read " + p.string());
  std::ostringstream s;
  s << in.rdbuf();
  return s.str();
}

void write_text(const fs::path& p, const std::string& text) {
  std::ofstream out{p, std::ios::binary | std::ios::trunc};
  out << text;
  if (!out)
    throw std::runtime_error("cannot write " + p.string());
}

std::vector<std::string> split_lines(const std::string& text) {
  std::vector<std::string> out;
  std::istringstream in{text};
  for (std::string l; std::getline(in, l);)
    out.push_back(l);
  return out;
}

// Every differing line with its number, so a mismatch reads like a diff.
std::string line_diff(const std::string& expected, const std::string& actual) {
  auto e = split_lines(expected), a = split_lines(actual);
  std::string out;
  for (std::size_t i = 0; i < std::max(e.size(), a.size()); ++i) {
    std::string el = i < e.size() ? e[i] : "<no line>";
    std::string al = i < a.size() ? a[i] : "<no line>";
    if (el != al)
      out += "line " + std::to_string(i + 1) + ":\n  - " + el + "\n  + " + al + "\n";
  }
  if (out.empty())
    out = "(lines equal; the difference is in the final newline)\n";
  return out;
}

void expect_golden(const std::string& name, const std::string& actual) {
  auto path = data_dir / "golden" / (name + ".golden");
  const char* update = std::getenv("TROUPE_UPDATE_GOLDEN");
  if (update && std::string{update} == "1") {
    write_text(path, actual);
    ASSERT_EQ(read_text(path), actual);
    return;
  }
  ASSERT_TRUE(fs::exists(path)) << path << " is missing; run with TROUPE_UPDATE_GOLDEN=1 to "
                                           "create it, then review it";
  auto expected = read_text(path);
  EXPECT_EQ(expected, actual) << "job script differs from " << path << " (- golden, + now):\n"
                              << line_diff(expected, actual)
                              << "If the change is intended, rerun with TROUPE_UPDATE_GOLDEN=1 "
                                 "and review the new file.";
}

// The options most golden cases share: a job of 8 cores and 16 GiB for an
// hour, logs in a directory, one worker.
job_spec base(job_system s) {
  job_spec j;
  j.system = s;
  j.cores = 8;
  j.memory = 16 * GiB;
  j.queue = s == job_system::htcondor ? "" : "normal";
  j.account = "proj42";
  j.walltime = 3600;
  j.log_directory = "logs";
  j.worker_command = {"/usr/bin/troupe", "worker"};
  j.death_timeout = 60;
  j.scheduler_address = "tcp://10.0.0.1:8786";
  return j;
}

// A temporary directory removed at the end of the test.
struct temp_dir {
  fs::path path;
  temp_dir() {
    std::string tmpl = (fs::temp_directory_path() / "troupe-batch-XXXXXX").string();
    if (!::mkdtemp(tmpl.data()))
      throw std::runtime_error("mkdtemp failed");
    path = tmpl;
  }
  ~temp_dir() { fs::remove_all(path); }
};

// bash's own syntax check of a whole script.
void expect_bash_syntax_ok(const std::string& script) {
  temp_dir dir;
  auto file = dir.path / "job.sh";
  write_text(file, script);
  auto r = run_program({"/bin/bash", "-n", file.string()});
  EXPECT_EQ(r.exit_code, 0) << "bash -n rejected the script:\n" << r.err << "\n" << script;
}

const std::string hostile = "it's $(touch PWNED) `touch PWNED2` \"q\" $HOME * ; rm -rf x &";

}  // namespace

// ---- golden scripts -------------------------------------------------------
// Doc facts each case encodes:
//  slurm: sbatch reads "#SBATCH" lines before the first command; --mem
//    without suffix is MiB, "G" GiB; --time is HH:MM:SS or D-HH:MM:SS;
//    %j in --output/--error is the job id; SLURM_JOB_ID is set in the job.
//  sge: qsub reads "#$" lines; -S picks the shell; h_vmem/mem_free are
//    per slot and M/G are 1024-based; h_rt is hh:mm:ss; a directory given
//    to -o/-e gets NAME.oJOBID files; -P is the project; JOB_ID is set.
//  pbs: "#PBS" lines; -l nodes=1:ppn=N, -l mem with mb/gb (1024-based),
//    -l walltime=hh:mm:ss; -A account; PBS_JOBID is set.
//  lsf: "#BSUB" lines (read from stdin by bsub); -n slots, -R span[hosts=1]
//    keeps them on one host; -M is a bare number in LSF_UNIT_FOR_LIMITS
//    (KB by default); -W is [hours:]minutes; %J is the job id; LSB_JOBID.
//  htcondor: request_memory in MiB, request_cpus, allowed_job_duration in
//    seconds, $(Cluster) expands to the cluster id, "queue 1" submits one.

TEST(batch_script, slurm_golden) { expect_golden("slurm", job_script(base(job_system::slurm))); }
TEST(batch_script, sge_golden) { expect_golden("sge", job_script(base(job_system::sge))); }
TEST(batch_script, pbs_golden) { expect_golden("pbs", job_script(base(job_system::pbs))); }
TEST(batch_script, lsf_golden) { expect_golden("lsf", job_script(base(job_system::lsf))); }
TEST(batch_script, htcondor_golden) {
  expect_golden("htcondor", job_script(base(job_system::htcondor)));
}

// SGE with a parallel environment: 4 slots, so 10 GiB is 2560M per slot.
TEST(batch_script, sge_parallel_environment_golden) {
  auto j = base(job_system::sge);
  j.cores = 4;
  j.memory = 10 * GiB;
  j.parallel_environment = "smp";
  expect_golden("sge_pe", job_script(j));
}

// Skip drops generated lines by substring; extra directives are added
// after them with the system's prefix and are never skipped.
TEST(batch_script, slurm_skip_and_extra_directives_golden) {
  auto j = base(job_system::slurm);
  j.job_directives_skip = {"--mem", "--account"};
  j.job_extra_directives = {"--exclusive", "--constraint=haswell", "--mem-per-cpu=2G"};
  expect_golden("slurm_skip_extra", job_script(j));
}

// One byte over 1 GiB is no longer whole GiB: rounded up to 1025 MiB, never
// down; 1536 MiB stays MiB; walltime past a day uses Slurm's days form.
TEST(batch_script, slurm_memory_units_golden) {
  auto j = base(job_system::slurm);
  j.memory = GiB + 1;
  j.walltime = 2 * 86400 + 3600 + 61;
  j.processes = 1;
  expect_golden("slurm_memory_over_gib", job_script(j));
  j.memory = 1536 * MiB;
  j.walltime = 59;
  expect_golden("slurm_memory_1536mib", job_script(j));
}

TEST(batch_script, pbs_and_lsf_memory_units_golden) {
  auto p = base(job_system::pbs);
  p.memory = 1536 * MiB;
  p.walltime = 36 * 3600;  // PBS takes hours past 24
  expect_golden("pbs_memory_1536mib", job_script(p));
  auto l = base(job_system::lsf);
  l.memory = 1536 * MiB + 1;  // 1537 MB once rounded up
  l.lsf_units = "MB";
  l.walltime = 90;  // 2 minutes: LSF counts whole minutes, rounded up
  expect_golden("lsf_units_mb", job_script(l));
}

// 8 cores and 10 GiB over 3 workers: 2 threads each (the remainder core is
// left idle) and 10 GiB / 3 bytes each; three workers named -0, -1, -2.
TEST(batch_script, slurm_processes_golden) {
  auto j = base(job_system::slurm);
  j.memory = 10 * GiB;
  j.processes = 3;
  expect_golden("slurm_processes", job_script(j));
  EXPECT_NE(job_script(j).find("--nthreads 2 --memory-limit 3579139413 "), std::string::npos);
}

TEST(batch_script, slurm_env_and_quoting_golden) {
  auto j = base(job_system::slurm);
  j.env = {{"HOSTILE", hostile}, {"OMP_NUM_THREADS", "1"}};
  j.local_directory = "/scratch/my dir";
  j.job_script_prologue = {"module load troupe", "source /opt/venv/bin/activate"};
  j.job_script_epilogue = {"echo finished"};
  j.worker_extra_args = {"--load", "/opt/lib tasks.so", hostile};
  expect_golden("slurm_env_quoting", job_script(j));
}

// ---- bash accepts every script ------------------------------------------

TEST(batch_script, every_script_passes_bash_syntax_check) {
  for (auto s : {job_system::slurm, job_system::sge, job_system::pbs, job_system::lsf}) {
    auto j = base(s);
    j.processes = 4;
    j.env = {{"HOSTILE", hostile}};
    j.local_directory = hostile;
    j.worker_extra_args = {hostile};
    j.job_script_prologue = {"echo start"};
    SCOPED_TRACE(system_name(s));
    expect_bash_syntax_ok(job_script(j));
  }
  auto h = base(job_system::htcondor);
  h.worker_extra_args = {hostile};
  expect_bash_syntax_ok(htcondor_files(h, "/tmp/troupe-job.sh").executable);
}

// ---- quoting: hostile values reach the worker as the same bytes ----------

TEST(batch_script, worker_launch_line_cannot_inject_shell_code) {
  temp_dir dir;
  auto j = base(job_system::slurm);
  j.worker_command = {"/bin/echo"};
  j.cores = 1;
  j.memory = 64 * MiB;
  j.death_timeout = 0;
  j.walltime_margin = 0;  // no --lifetime: the line ends with the extra argument
  std::string canary = (dir.path / "pwned").string();
  std::string value = "it's $(touch " + canary + ") `touch " + canary + "` \"q\" $HOME * ;"
                      + " touch " + canary + " &";
  j.worker_extra_args = {value};
  auto line = worker_launch_line(j, 0);
  auto r = run_program({"/bin/bash", "-c", line + "\nwait\n"}, {"SLURM_JOB_ID=77"});
  ASSERT_EQ(r.exit_code, 0) << r.err;
  EXPECT_EQ(r.out, "tcp://10.0.0.1:8786 --nthreads 1 --memory-limit 67108864 --name "
                   "troupe-worker-77-0 " + value + "\n");
  EXPECT_FALSE(fs::exists(canary)) << "a worker argument ran a command";
}

// Workers retire a margin before the walltime (dask-jobqueue users pass
// --lifetime by hand): a tenth of it, at most 5 minutes, by default, and a
// fifth of the margin as stagger; 0 or no walltime: no retirement.
TEST(batch_script, walltime_margin_gives_workers_a_lifetime) {
  auto tail = [](job_spec j) {
    j.worker_command = {"w"};
    auto line = worker_launch_line(j, 0);
    auto at = line.find(" --name ");
    return line.substr(line.find(' ', at + 8));
  };
  auto j = base(job_system::slurm);
  j.death_timeout = 0;
  EXPECT_EQ(tail(j), " --lifetime 3300 --lifetime-stagger 60 &");  // 1 h: 55 min
  j.walltime = 600;
  EXPECT_EQ(tail(j), " --lifetime 540 --lifetime-stagger 12 &");
  j.walltime = 60;
  j.walltime_margin = 45;
  EXPECT_EQ(tail(j), " --lifetime 15 --lifetime-stagger 7 &");  // 9 capped at 15 / 2
  j.walltime_margin = 4;  // a stagger under a second is left out
  EXPECT_EQ(tail(j), " --lifetime 56 &");
  j.walltime_margin = 50;  // the stagger stays under half the lifetime
  EXPECT_EQ(tail(j), " --lifetime 10 --lifetime-stagger 5 &");
  j.walltime_margin = 0;
  EXPECT_EQ(tail(j), " &");
  j.walltime_margin = -1;
  j.walltime = 0;  // the system's default walltime is unknown: no lifetime
  EXPECT_EQ(tail(j), " &");
  j.interface = "ib0";
  EXPECT_EQ(tail(j), " --interface ib0 &");
}

// The whole Slurm script under bash: the environment value, the working
// directory (with spaces and $()) and each argument arrive unchanged, and
// prologue, workers and epilogue run in order.
TEST(batch_script, whole_script_runs_and_keeps_values_exact) {
  temp_dir dir;
  auto j = base(job_system::slurm);
  j.cores = 1;
  j.memory = 64 * MiB;
  j.death_timeout = 0;
  j.walltime_margin = 0;
  j.env = {{"HOSTILE", hostile}};
  j.local_directory = (dir.path / "work dir $(touch x)").string();
  j.job_script_prologue = {"printf 'env=%s\\n' \"$HOSTILE\""};
  j.job_script_epilogue = {"echo done"};
  // A worker that prints its directory and each argument on a line.
  j.worker_command = {"/bin/sh", "-c", "pwd; for a in \"$0\" \"$@\"; do printf '%s\\n' \"$a\"; done"};
  j.worker_extra_args = {hostile};
  auto script = job_script(j);
  auto file = dir.path / "job.sh";
  write_text(file, script);
  auto r = run_program({"/bin/bash", file.string()}, {"SLURM_JOB_ID=9"});
  ASSERT_EQ(r.exit_code, 0) << r.err;
  EXPECT_EQ(r.out, "env=" + hostile + "\n" + j.local_directory + "\n"
                     + "tcp://10.0.0.1:8786\n--nthreads\n1\n--memory-limit\n67108864\n--name\n"
                       "troupe-worker-9-0\n" + hostile + "\ndone\n");
  EXPECT_FALSE(fs::exists(dir.path / "x"));
  EXPECT_FALSE(fs::exists(dir.path / "work dir $(touch x)" / "x"));
}

// ---- HTCondor's two files -------------------------------------------------

TEST(batch_script, htcondor_files_name_the_executable_path) {
  auto files = htcondor_files(base(job_system::htcondor), "/spool/job 1.sh");
  EXPECT_NE(files.submit_description.find("\nexecutable = /spool/job 1.sh\n"), std::string::npos);
  EXPECT_EQ(files.submit_description.substr(files.submit_description.size() - 8), "queue 1\n");
  EXPECT_EQ(files.executable.substr(0, 12), "#!/bin/bash\n");
  EXPECT_NE(files.executable.find("-\"${TROUPE_BATCH_JOB_ID}\"-0"), std::string::npos);
}

// ---- validation names the option -----------------------------------------

namespace {

// The message of the invalid_argument job_script(j) throws.
std::string rejection(const job_spec& j) {
  try {
    job_script(j);
  } catch (const std::invalid_argument& e) {
    return e.what();
  }
  return "(accepted)";
}

}  // namespace

TEST(batch_validate, bad_options_are_named_with_expectation_and_value) {
  auto j = base(job_system::slurm);
  j.cores = 0;
  EXPECT_EQ(rejection(j), "batch: option 'cores' expects an integer >= 1, got 0");
  j = base(job_system::slurm);
  j.processes = 9;
  EXPECT_EQ(rejection(j), "batch: option 'processes' expects an integer from 1 to cores (8), got 9");
  j.processes = 0;
  EXPECT_EQ(rejection(j), "batch: option 'processes' expects an integer from 1 to cores (8), got 0");
  j = base(job_system::slurm);
  j.memory = 0;
  EXPECT_EQ(rejection(j),
            "batch: option 'memory' expects a byte count > 0 (the whole job's memory), got 0");
  j = base(job_system::slurm);
  j.worker_command = {};
  EXPECT_EQ(rejection(j), "batch: option 'worker_command' expects the worker's argv, e.g. "
                          "[\"/usr/bin/troupe\", \"worker\"], got an empty list");
  j = base(job_system::slurm);
  j.system = static_cast<job_system>(7);
  EXPECT_EQ(rejection(j), "batch: option 'system' expects one of slurm, sge, pbs, lsf, htcondor, "
                          "got job_system(7)");
  j = base(job_system::slurm);
  j.queue = "normal\nrm -rf ~";
  EXPECT_EQ(rejection(j), "batch: option 'queue' expects only letters, digits and _ . / + - : @ "
                          ", =, got \"normal\\x0arm -rf ~\"");
  j = base(job_system::slurm);
  j.job_extra_directives = {"--exclusive\necho pwned"};
  EXPECT_EQ(rejection(j), "batch: option 'job_extra_directives' expects single lines without line "
                          "breaks or NUL bytes, got \"--exclusive\\x0aecho pwned\"");
  j = base(job_system::slurm);
  j.env = {{"BAD NAME", "x"}};
  EXPECT_EQ(rejection(j), "batch: option 'env' expects variable names of letters, digits and _ "
                          "(not starting with a digit), got \"BAD NAME\"");
  j = base(job_system::slurm);
  j.scheduler_address = "10.0.0.1:8786";
  EXPECT_EQ(rejection(j),
            "batch: option 'scheduler_address' expects \"tcp://HOST:PORT\", got \"10.0.0.1:8786\"");
  j = base(job_system::slurm);
  j.walltime = -1;
  EXPECT_EQ(rejection(j),
            "batch: option 'walltime' expects seconds >= 0 (0: the system's default), got -1");
  j = base(job_system::slurm);
  j.walltime = 60;
  j.walltime_margin = 60;
  EXPECT_EQ(rejection(j),
            "batch: option 'walltime_margin' expects less than the walltime (60 s), got 60 s");
  j = base(job_system::slurm);
  j.interface = "eth0;reboot now";
  EXPECT_EQ(rejection(j), "batch: option 'interface' expects a network interface name such as "
                          "eth0 or ib0 (at most 15 characters), got \"eth0;reboot now\"");
  j = base(job_system::htcondor);
  j.queue = "normal";
  EXPECT_EQ(rejection(j).substr(0, 42), "batch: option 'queue' expects nothing for ");
  j = base(job_system::lsf);
  j.lsf_units = "MiB";
  EXPECT_EQ(rejection(j), "batch: option 'lsf_units' expects one of KB, MB, GB, TB, got \"MiB\"");
  EXPECT_THROW(parse_system("torque"), std::invalid_argument);
  EXPECT_EQ(parse_system("htcondor"), job_system::htcondor);
}

// ---- commands are argument vectors ---------------------------------------

TEST(batch_commands, submit_status_cancel_argv) {
  auto j = base(job_system::slurm);
  j.submit_command_extra = {"--qos=high"};
  auto c = submit_command(j, "/tmp/a b/job.sh");
  EXPECT_EQ(c.argv, (std::vector<std::string>{"sbatch", "--parsable", "--qos=high", "/tmp/a b/job.sh"}));
  EXPECT_EQ(c.stdin_path, "");
  auto l = submit_command(base(job_system::lsf), "/tmp/job.sh");
  EXPECT_EQ(l.argv, (std::vector<std::string>{"bsub"}));
  EXPECT_EQ(l.stdin_path, "/tmp/job.sh");
  EXPECT_EQ(submit_command(base(job_system::htcondor), "/tmp/job.sub").argv,
            (std::vector<std::string>{"condor_submit", "/tmp/job.sub"}));
  EXPECT_EQ(status_command(job_system::slurm, {"12", "13"}).argv,
            (std::vector<std::string>{"squeue", "--noheader", "--format=%i %T", "--states=all",
                                      "--jobs=12,13"}));
  EXPECT_EQ(status_command(job_system::htcondor, {"12"}).argv,
            (std::vector<std::string>{"condor_q", "12", "-af", "ClusterId", "JobStatus"}));
  EXPECT_EQ(cancel_command(job_system::pbs, {"12.srv", "13.srv"}).argv,
            (std::vector<std::string>{"qdel", "12.srv", "13.srv"}));
  EXPECT_EQ(cancel_command(job_system::lsf, {"12"}).argv, (std::vector<std::string>{"bkill", "12"}));
  EXPECT_THROW(cancel_command(job_system::slurm, {}), std::invalid_argument);
  EXPECT_THROW(status_command(job_system::slurm, {"1,2"}), std::invalid_argument);
}

// ---- parsing recorded command output -------------------------------------

namespace {
std::string output(const std::string& name) { return read_text(data_dir / "outputs" / name); }
}  // namespace

TEST(batch_parse, job_ids_from_each_system) {
  EXPECT_EQ(parse_job_id(job_system::slurm, output("slurm_sbatch_parsable.txt")), "4711");
  EXPECT_EQ(parse_job_id(job_system::slurm, output("slurm_sbatch_parsable_cluster.txt")), "4712");
  EXPECT_EQ(parse_job_id(job_system::sge, output("sge_qsub.txt")), "311");
  EXPECT_EQ(parse_job_id(job_system::pbs, output("pbs_qsub.txt")), "1234.pbs-head");
  EXPECT_EQ(parse_job_id(job_system::lsf, output("lsf_bsub.txt")), "5678");
  EXPECT_EQ(parse_job_id(job_system::htcondor, output("htcondor_condor_submit.txt")), "91");
}

TEST(batch_parse, submit_error_output_is_quoted_in_the_error) {
  auto out = output("slurm_sbatch_error.txt");
  try {
    parse_job_id(job_system::slurm, out);
    FAIL() << "accepted " << out;
  } catch (const std::runtime_error& e) {
    EXPECT_EQ(std::string{e.what()}, "batch: no job id in the output of sbatch: \"" + out + "\"");
  }
  EXPECT_THROW(parse_job_id(job_system::sge, "qsub: Unknown option"), std::runtime_error);
  EXPECT_THROW(parse_job_id(job_system::lsf, "Bad queue name. Job not submitted."),
               std::runtime_error);
  EXPECT_THROW(parse_job_id(job_system::pbs, "qsub: Unknown queue MSG=cannot locate queue"),
               std::runtime_error);
  EXPECT_THROW(parse_job_id(job_system::htcondor, "ERROR: Parse error in submit file"),
               std::runtime_error);
}

TEST(batch_parse, slurm_states) {
  auto st = parse_states(job_system::slurm, output("slurm_squeue.txt"));
  auto s = [&](const char* id) { return state_name(state_of(job_system::slurm, st, id)); };
  EXPECT_STREQ(s("100"), "pending");
  EXPECT_STREQ(s("101"), "pending");  // CONFIGURING
  EXPECT_STREQ(s("102"), "running");
  EXPECT_STREQ(s("103"), "running");  // COMPLETING
  EXPECT_STREQ(s("104"), "failed");   // FAILED
  EXPECT_STREQ(s("105"), "failed");   // NODE_FAIL
  EXPECT_STREQ(s("106"), "failed");   // TIMEOUT
  EXPECT_STREQ(s("107"), "failed");   // OUT_OF_MEMORY
  EXPECT_STREQ(s("108"), "gone");     // CANCELLED
  EXPECT_STREQ(s("109"), "gone");     // COMPLETED
  EXPECT_STREQ(s("999"), "gone");     // not listed
  EXPECT_EQ(st.size(), 10u);
}

TEST(batch_parse, sge_states) {
  auto st = parse_states(job_system::sge, output("sge_qstat.txt"));
  auto s = [&](const char* id) { return state_name(state_of(job_system::sge, st, id)); };
  EXPECT_STREQ(s("311"), "running");
  EXPECT_STREQ(s("312"), "pending");  // qw
  EXPECT_STREQ(s("313"), "pending");  // hqw
  EXPECT_STREQ(s("314"), "failed");   // Eqw
  EXPECT_STREQ(s("315"), "running");  // t
  EXPECT_STREQ(s("316"), "running");  // dr: being deleted, still listed and maybe running
  EXPECT_STREQ(s("400"), "gone");     // not listed
  EXPECT_EQ(st.size(), 6u);
}

TEST(batch_parse, pbs_states) {
  auto st = parse_states(job_system::pbs, output("pbs_qstat.txt"));
  auto s = [&](const char* id) { return state_name(state_of(job_system::pbs, st, id)); };
  EXPECT_STREQ(s("1234.pbs-head"), "running");
  EXPECT_STREQ(s("1235.pbs-head"), "pending");  // Q
  EXPECT_STREQ(s("1236.pbs-head"), "pending");  // H
  EXPECT_STREQ(s("1237.pbs-head"), "running");  // E: exiting
  EXPECT_STREQ(s("1238.a-very-long-pbs-server-name"), "gone");  // C, id truncated by qstat
  EXPECT_STREQ(s("1300.pbs-head"), "gone");
}

TEST(batch_parse, lsf_states) {
  auto st = parse_states(job_system::lsf, output("lsf_bjobs.txt"));
  auto s = [&](const char* id) { return state_name(state_of(job_system::lsf, st, id)); };
  EXPECT_STREQ(s("5678"), "running");
  EXPECT_STREQ(s("5679"), "pending");  // PEND, no EXEC_HOST
  EXPECT_STREQ(s("5680"), "pending");  // PSUSP
  EXPECT_STREQ(s("5681"), "failed");   // EXIT
  EXPECT_STREQ(s("5682"), "gone");     // DONE
  EXPECT_STREQ(s("5683"), "running");  // spread over hosts: continuation lines skipped
  EXPECT_EQ(st.size(), 6u);
}

TEST(batch_parse, htcondor_states) {
  auto st = parse_states(job_system::htcondor, output("htcondor_condor_q.txt"));
  auto s = [&](const char* id) { return state_name(state_of(job_system::htcondor, st, id)); };
  EXPECT_STREQ(s("91"), "pending");  // 1 idle
  EXPECT_STREQ(s("92"), "running");  // 2
  EXPECT_STREQ(s("93"), "gone");     // 3 removed
  EXPECT_STREQ(s("94"), "gone");     // 4 completed
  EXPECT_STREQ(s("95"), "failed");   // 5 held
  EXPECT_STREQ(s("96"), "gone");     // not listed
}

TEST(batch_parse, garbage_status_output_is_a_clear_error) {
  auto garbage = output("garbage.txt");
  for (auto s : {job_system::slurm, job_system::sge, job_system::pbs, job_system::lsf,
                 job_system::htcondor}) {
    SCOPED_TRACE(system_name(s));
    try {
      parse_states(s, garbage);
      ADD_FAILURE() << "accepted garbage";
    } catch (const std::runtime_error& e) {
      EXPECT_NE(std::string{e.what()}.find(std::string{"cannot read "} + system_name(s)
                                           + " status line \""),
                std::string::npos)
        << e.what();
    }
  }
  try {
    parse_states(job_system::slurm, "12 EXPLODED\n");
    ADD_FAILURE() << "accepted an unknown state";
  } catch (const std::runtime_error& e) {
    EXPECT_STREQ(e.what(), "batch: unknown job state in slurm status line \"12 EXPLODED\"");
  }
  EXPECT_TRUE(parse_states(job_system::slurm, "").empty());  // no jobs left: all gone
}
