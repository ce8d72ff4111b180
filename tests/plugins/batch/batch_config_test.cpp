// The sample TOML files load with troupe::cluster::from_config, as flow F6
// shows, and cluster.job_script() returns the script a job would run. No
// job is submitted, so these need no batch system.
#include <gtest/gtest.h>

#include <string>

#include <troupe/troupe.hpp>

namespace {

std::string sample(const char* name) { return std::string{TROUPE_SOURCE_DIR} + "/config/" + name; }

bool has(const std::string& text, const std::string& part) {
  return text.find(part) != std::string::npos;
}

TEST(batch_config, slurm_sample_loads_and_shows_its_job_script) {
  auto cluster = troupe::cluster::from_config(sample("slurm.toml"));
  auto script = cluster.job_script();
  EXPECT_EQ(script.rfind("#!/bin/bash\n", 0), 0u) << script;
  EXPECT_TRUE(has(script, "#SBATCH --cpus-per-task=4\n")) << script;
  EXPECT_TRUE(has(script, "#SBATCH --mem=16G\n")) << script;
  EXPECT_TRUE(has(script, "#SBATCH --time=01:00:00\n")) << script;
  // Two workers per job, 2 threads and 8 GiB each, retiring at 55 min.
  for (const char* index : {"-0 ", "-1 "})
    EXPECT_TRUE(has(script, std::string{"\"${SLURM_JOB_ID}\""} + index)) << script;
  EXPECT_TRUE(has(script, " " + cluster.scheduler_address() + " --nthreads 2 --memory-limit "
                            "8589934592 ")) << script;
  EXPECT_TRUE(has(script, "--lifetime 3300 --lifetime-stagger 60 &")) << script;
  EXPECT_EQ(cluster.status().workers.size(), 0u);  // nothing submitted
}

TEST(batch_config, sge_and_pbs_samples_load_and_show_their_job_scripts) {
  auto sge = troupe::cluster::from_config(sample("sge.toml")).job_script();
  EXPECT_TRUE(has(sge, "#$ -pe smp 4\n")) << sge;
  EXPECT_TRUE(has(sge, "#$ -l h_rt=01:00:00\n")) << sge;
  auto pbs = troupe::cluster::from_config(sample("pbs.toml")).job_script();
  EXPECT_TRUE(has(pbs, "#PBS -l walltime=01:00:00\n")) << pbs;
  EXPECT_TRUE(has(pbs, "#PBS -q batch\n")) << pbs;
}

TEST(batch_config, a_plugin_without_jobs_says_it_has_no_job_script) {
  troupe::cluster local{"local", {{"n_workers", std::int64_t{0}}}};
  try {
    local.job_script();
    FAIL() << "the local plugin returned a job script";
  } catch (const troupe::config_error& e) {
    EXPECT_TRUE(has(e.what(), "'local' cluster plugin submits no jobs")) << e.what();
  }
}

TEST(batch_config, a_bad_option_names_the_key_the_type_and_the_allowed_values) {
  try {
    troupe::cluster c{"batch", {{"system", std::string{"torque"}},
                                {"cores", std::int64_t{1}},
                                {"memory", std::string{"1 GiB"}}}};
    FAIL() << "system = torque was accepted";
  } catch (const troupe::error& e) {
    EXPECT_TRUE(has(e.what(), "option 'system'")) << e.what();
    EXPECT_TRUE(has(e.what(), "slurm, sge, pbs, lsf")) << e.what();
  }
  try {
    troupe::cluster c{"batch", {{"system", std::string{"slurm"}},
                                {"cores", std::string{"four"}},
                                {"memory", std::string{"1 GiB"}}}};
    FAIL() << "cores = \"four\" was accepted";
  } catch (const troupe::error& e) {
    EXPECT_TRUE(has(e.what(), "cores")) << e.what();
    EXPECT_TRUE(has(e.what(), "int")) << e.what();
  }
  try {
    troupe::cluster c{"batch", {{"system", std::string{"slurm"}},
                                {"cores", std::int64_t{1}},
                                {"memory", std::string{"1 GiB"}},
                                {"interface", std::string{"nosuchif0"}}}};
    FAIL() << "an interface that does not exist was accepted";
  } catch (const troupe::error& e) {
    EXPECT_TRUE(has(e.what(), "option 'interface'")) << e.what();
    EXPECT_TRUE(has(e.what(), "lo (127.0.0.1)")) << e.what();  // what there is instead
  }
}

}  // namespace
