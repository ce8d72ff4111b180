// libtroupe-batch.so through troupe's own plugin loader: it loads, its
// schema has the issue's option names, and a bad value fails with a
// message naming the key, what it expects (the type, or the allowed
// values) and what it got. No job is submitted.
#include "../plugin_test_util.hpp"
#include "troupe/config.hpp"

#include <algorithm>

using namespace troupe::internal;
using plugin_test::error_of;
using testing::HasSubstr;

namespace {

std::shared_ptr<plugin_library> batch_plugin() {
  static auto lib = plugin_library::load(std::string{TROUPE_PLUGIN_BUILD_DIR}
                                         + "/libtroupe-batch.so");
  return lib;
}

troupe::cluster_options slurm(troupe::cluster_options extra = {}) {
  troupe::cluster_options o{{"system", std::string{"slurm"}},
                            {"cores", std::int64_t{2}},
                            {"memory", std::string{"4 GiB"}},
                            {"log_directory", std::string{"/tmp"}}};
  for (auto& [k, v] : extra.values)
    o.values[k] = v;
  return o;
}

}  // namespace

TEST(batch_plugin_load, loads_with_the_issue_option_names) {
  auto lib = batch_plugin();
  EXPECT_EQ(lib->name(), "batch");
  std::vector<std::string> keys;
  for (std::size_t i = 0; i < lib->table().n_options; ++i)
    keys.emplace_back(lib->table().options[i].key);
  for (auto key : {"system", "cores", "memory", "processes", "queue", "account", "walltime",
                   "job_name", "job_extra_directives", "job_directives_skip",
                   "job_script_prologue", "job_script_epilogue", "local_directory",
                   "log_directory", "worker_command", "worker_extra_args", "death_timeout", "env",
                   "submit_command_extra", "parallel_environment", "lsf_units"})
    EXPECT_NE(std::find(keys.begin(), keys.end(), key), keys.end()) << key;
}

TEST(batch_plugin_load, wrong_types_name_the_key_and_the_type) {
  auto msg = error_of([&] {
    plugin_option_values v{*batch_plugin(), slurm({{"cores", std::string{"four"}}})};
  });
  EXPECT_THAT(msg, HasSubstr("option 'cores' of cluster plugin 'batch' must be an integer, "
                             "not \"four\""));
  msg = error_of([&] {
    plugin_option_values v{*batch_plugin(), slurm({{"memory", std::string{"lots"}}})};
  });
  EXPECT_THAT(msg, HasSubstr("option 'memory' of cluster plugin 'batch' must be a size"));
  msg = error_of([&] {
    plugin_option_values v{*batch_plugin(), slurm({{"queue", std::int64_t{3}}})};
  });
  EXPECT_THAT(msg, HasSubstr("option 'queue' of cluster plugin 'batch' must be a string"));
  msg = error_of([&] {
    plugin_option_values v{*batch_plugin(), slurm({{"qeue", std::string{"debug"}}})};
  });
  EXPECT_THAT(msg, HasSubstr("unknown option 'qeue' for cluster plugin 'batch' (known: system"));
}

TEST(batch_plugin_load, required_options_are_named) {
  troupe::cluster_options o{{"system", std::string{"slurm"}}, {"cores", std::int64_t{2}}};
  auto msg = error_of([&] { plugin_option_values v{*batch_plugin(), o}; });
  EXPECT_THAT(msg, HasSubstr("cluster plugin 'batch' needs option 'memory'"));
}

TEST(batch_plugin_load, bad_values_name_the_allowed_ones) {
  auto msg = error_of([&] {
    plugin_backend b{batch_plugin(), slurm({{"system", std::string{"torque"}}})};
  });
  EXPECT_THAT(msg, HasSubstr("cluster plugin 'batch': create failed: batch: option 'system' "
                             "expects one of slurm, sge, pbs, lsf, htcondor, got \"torque\""));
  msg = error_of([&] {
    plugin_backend b{batch_plugin(), slurm({{"processes", std::int64_t{3}}})};
  });
  EXPECT_THAT(msg, HasSubstr("option 'processes' expects an integer from 1 to cores (2), got 3"));
}

TEST(batch_plugin_load, creates_and_destroys_without_submitting) {
  plugin_backend b{batch_plugin(), slurm({{"walltime", std::string{"00:10:00"}}})};
  auto st = b.status();
  EXPECT_EQ(st.requested, 0U);
  EXPECT_TRUE(st.workers.empty());
  // n_workers defaults to 0: starting the cluster submits nothing.
  plugin_launch_spec spec;
  spec.scheduler_address = "tcp://127.0.0.1:8786";
  spec.argv = {"/bin/true"};
  b.start_workers(spec);
  EXPECT_TRUE(b.status().workers.empty());
}

TEST(batch_plugin_load, config_samples_are_accepted_by_the_schema) {
  for (auto name : {"slurm", "sge", "pbs"}) {
    auto path = std::string{BATCH_CONFIG_DIR} + "/" + name + ".toml";
    auto cfg = troupe::load_config(path);
    ASSERT_EQ(cfg.clusters.count(name), 1U) << path;
    auto& profile = cfg.clusters.at(name);
    EXPECT_EQ(profile.plugin, "batch") << path;
    // The whole check the host makes, create() included; with n_workers
    // left at 0 nothing is submitted.
    plugin_backend b{batch_plugin(), profile.options};
    EXPECT_EQ(b.status().requested, 0U) << path;
  }
}
