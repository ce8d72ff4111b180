// Configuration: the sample file, units, where the file is found, environment
// overrides, and errors that say file:line:col and which key.
#include <gtest/gtest.h>

#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <iostream>
#include <thread>

#include <unistd.h>

#include <troupe/troupe.hpp>

namespace fs = std::filesystem;
using namespace std::chrono_literals;

namespace {

// Each test starts with no TROUPE_* variables and HOME in an empty temporary
// directory, and gets the outside environment back afterwards.
class clean_environment : public ::testing::Test {
protected:
  void SetUp() override {
    auto* test = ::testing::UnitTest::GetInstance()->current_test_info();
    dir_ = fs::temp_directory_path()
           / ("troupe-config-" + std::to_string(getpid()) + "-" + test->name());
    fs::remove_all(dir_);
    fs::create_directories(dir_ / "home");
    for (char** e = environ; *e; ++e) {
      std::string entry{*e};
      auto name = entry.substr(0, entry.find('='));
      if (name.starts_with("TROUPE_") || name == "HOME")
        saved_.emplace_back(name, entry.substr(name.size() + 1));
    }
    unset_troupe_variables();
    setenv("HOME", (dir_ / "home").c_str(), 1);
  }

  void TearDown() override {
    unset_troupe_variables();
    unsetenv("HOME");
    for (auto& [name, value] : saved_)
      setenv(name.c_str(), value.c_str(), 1);
    fs::remove_all(dir_);
  }

  std::string write(const std::string& name, const std::string& text) {
    auto path = dir_ / name;
    fs::create_directories(path.parent_path());
    std::ofstream{path} << text;
    return path.string();
  }

  // The message of the config_error that loading `text` throws.
  std::string error_loading(const std::string& text) {
    path_ = write("bad.toml", text);
    try {
      troupe::load_config(path_);
    } catch (const troupe::config_error& e) {
      return e.what();
    }
    return "no error";
  }

  fs::path dir_;
  std::string path_; // of the last error_loading file

private:
  static void unset_troupe_variables() {
    std::vector<std::string> names;
    for (char** e = environ; *e; ++e)
      if (std::string_view{*e}.starts_with("TROUPE_"))
        names.emplace_back(std::string_view{*e}.substr(0, std::string_view{*e}.find('=')));
    for (auto& name : names)
      unsetenv(name.c_str());
  }

  std::vector<std::pair<std::string, std::string>> saved_;
};

using config_file = clean_environment;
using config_search = clean_environment;
using config_env = clean_environment;

bool contains(const std::string& text, const std::string& part) {
  return text.find(part) != std::string::npos;
}

std::string units_error(std::string_view text, bool bytes) {
  try {
    bytes ? (void)troupe::parse_bytes(text) : (void)troupe::parse_duration(text);
  } catch (const troupe::config_error& e) {
    return e.what();
  }
  return "no error";
}

} // namespace

TEST(units, byte_sizes) {
  const std::pair<const char*, std::uint64_t> cases[] = {
    {"2 GiB", 2ull << 30},      {"500 MB", 500'000'000},      {"1.5GB", 1'500'000'000},
    {"1024", 1024},             {"0", 0},                     {"1 B", 1},
    {"4 kB", 4000},             {"4 KiB", 4096},              {"4.35 kB", 4350},
    {"0.5 KiB", 512},           {"3 TiB", 3ull << 40},        {"2 TB", 2'000'000'000'000},
    {" 7 mib ", 7ull << 20},    {"16 MiB", 16ull << 20},
  };
  for (auto& [text, bytes] : cases)
    EXPECT_EQ(troupe::parse_bytes(text), bytes) << text;
}

TEST(units, garbage_byte_sizes_are_refused) {
  for (const char* text : {"", "abc", "GB", "-1 GB", "1.2.3 GB", "5 XB", "2 GiBs", "1e9", "1,5 GB",
                           "99999999999 TiB"}) {
    auto e = units_error(text, true);
    EXPECT_TRUE(contains(e, "troupe: '" + std::string{text} + "'")) << text << ": " << e;
  }
  EXPECT_TRUE(contains(units_error("5 XB", true), "unknown unit 'XB'"));
}

TEST(units, durations) {
  const std::pair<const char*, std::chrono::nanoseconds> cases[] = {
    {"30 minutes", 30min}, {"5s", 5s},           {"100 ms", 100ms}, {"2 hours", 2h},
    {"1.5 seconds", 1500ms}, {"250us", 250us},   {"10", 10s},       {"0.1", 100ms},
    {"7 ns", 7ns},         {"1 day", 24h},       {"2 min", 2min},   {"3 MS", 3ms},
    {"1 h", 1h},           {"0.25 s", 250ms},
  };
  for (auto& [text, duration] : cases)
    EXPECT_EQ(troupe::parse_duration(text), duration) << text;
}

TEST(units, garbage_durations_are_refused) {
  for (const char* text : {"", "soon", "5 parsecs", "-1 s", "s", "1..5 s", "5 s s",
                           "99999999999 days"}) {
    auto e = units_error(text, false);
    EXPECT_TRUE(contains(e, "troupe: '" + std::string{text} + "'")) << text << ": " << e;
  }
  EXPECT_TRUE(contains(units_error("5 parsecs", false), "unknown unit 'parsecs'"));
}

TEST_F(config_file, the_sample_file_loads_with_the_documented_defaults) {
  std::string path = TROUPE_SOURCE_DIR "/config/troupe.toml";
  auto c = troupe::load_config(path);
  troupe::runtime_config d;
  EXPECT_EQ(c.source, path);
  EXPECT_EQ(c.scheduler.host, d.scheduler.host);
  EXPECT_EQ(c.scheduler.port, d.scheduler.port);
  EXPECT_EQ(c.scheduler.heartbeat_interval, d.scheduler.heartbeat_interval);
  EXPECT_EQ(c.scheduler.worker_timeout, d.scheduler.worker_timeout);
  EXPECT_EQ(c.scheduler.allowed_failures, d.scheduler.allowed_failures);
  EXPECT_EQ(c.worker.nthreads, d.worker.nthreads);
  EXPECT_EQ(c.worker.memory_limit, d.worker.memory_limit);
  EXPECT_EQ(c.worker.name, d.worker.name);
  EXPECT_EQ(c.worker.reconnect_timeout, d.worker.reconnect_timeout);
  EXPECT_EQ(c.worker.load, d.worker.load);
  EXPECT_EQ(c.client.timeout, d.client.timeout);
  EXPECT_EQ(c.client.connect_timeout, d.client.connect_timeout);
  EXPECT_EQ(c.network.max_message_size, d.network.max_message_size);
  EXPECT_EQ(c.network.handshake_timeout, d.network.handshake_timeout);
  EXPECT_EQ(c.network.frame_timeout, d.network.frame_timeout);
  EXPECT_EQ(c.plugins.search_path, d.plugins.search_path);
  EXPECT_EQ(c.logging.level, d.logging.level);
  // The defaults themselves, as the header documents them.
  EXPECT_EQ(d.scheduler.port, 8786);
  EXPECT_EQ(d.client.timeout, 1h);
  EXPECT_EQ(d.logging.level, "warn");

  ASSERT_EQ(c.clusters.size(), 1u);
  auto& laptop = c.clusters.at("laptop");
  EXPECT_EQ(laptop.plugin, "local");
  using troupe::option_value;
  EXPECT_EQ(laptop.options.values,
            (std::map<std::string, option_value>{{"n_workers", std::int64_t{2}},
                                                 {"threads_per_worker", std::int64_t{1}},
                                                 {"processes", true},
                                                 {"memory_limit", std::string{"2 GiB"}}}));
  EXPECT_EQ(laptop.options.where.size(), 4u);
  EXPECT_TRUE(laptop.options.where.at("n_workers").starts_with(path + ":")) << path;
}

TEST_F(config_file, every_section_takes_its_values) {
  auto path = write("all.toml", R"([scheduler]
host = "0.0.0.0"
port = 0
heartbeat_interval = 0.25
worker_timeout = 5
allowed_failures = 0
[worker]
nthreads = 4
memory_limit = "1.5GB"
name = "w1"
reconnect_timeout = "2 min"
load = ["/opt/libtasks.so"]
[client]
timeout = "30 s"
connect_timeout = "100 ms"
[network]
max_message_size = "64 MiB"
handshake_timeout = "2 s"
frame_timeout = "250 ms"
[plugins]
search_path = ["/usr/lib/troupe", "~/plugins", "local/plugins"]
[logging]
level = "debug"
)");
  auto c = troupe::load_config(path);
  EXPECT_EQ(c.scheduler.host, "0.0.0.0");
  EXPECT_EQ(c.scheduler.port, 0);
  EXPECT_EQ(c.scheduler.heartbeat_interval, 250ms);
  EXPECT_EQ(c.scheduler.worker_timeout, 5s);
  EXPECT_EQ(c.scheduler.allowed_failures, 0);
  EXPECT_EQ(c.worker.nthreads, 4);
  EXPECT_EQ(c.worker.memory_limit, 1'500'000'000u);
  EXPECT_EQ(c.worker.name, "w1");
  EXPECT_EQ(c.worker.reconnect_timeout, 2min);
  EXPECT_EQ(c.worker.load, std::vector<std::string>{"/opt/libtasks.so"});
  EXPECT_EQ(c.client.timeout, 30s);
  EXPECT_EQ(c.client.connect_timeout, 100ms);
  EXPECT_EQ(c.network.max_message_size, 64u << 20);
  EXPECT_EQ(c.network.handshake_timeout, 2s);
  EXPECT_EQ(c.network.frame_timeout, 250ms);
  // "~" is $HOME; a relative directory is relative to the file's directory.
  EXPECT_EQ(c.plugins.search_path,
            (std::vector<std::string>{"/usr/lib/troupe", (dir_ / "home/plugins").string(),
                                      (dir_ / "local/plugins").string()}));
  EXPECT_EQ(c.logging.level, "debug");
  EXPECT_TRUE(c.clusters.empty());
}

TEST_F(config_file, a_cluster_profile_keeps_its_options_and_where_they_are) {
  auto path = write("profiles.toml", R"([cluster.big]
plugin = "ssh"
hosts = "a,b"
n_workers = 8
scale = 1.5
verbose = false

[cluster.laptop]
plugin = "local"
)");
  auto c = troupe::load_config(path);
  ASSERT_EQ(c.clusters.size(), 2u);
  auto& big = c.clusters.at("big");
  EXPECT_EQ(big.plugin, "ssh");
  using troupe::option_value;
  EXPECT_EQ(big.options.values,
            (std::map<std::string, option_value>{{"hosts", std::string{"a,b"}},
                                                 {"n_workers", std::int64_t{8}},
                                                 {"scale", 1.5},
                                                 {"verbose", false}}));
  EXPECT_EQ(big.options.where,
            (std::map<std::string, std::string>{{"hosts", path + ":3:9"},
                                                {"n_workers", path + ":4:13"},
                                                {"scale", path + ":5:9"},
                                                {"verbose", path + ":6:11"}}));
  EXPECT_EQ(c.clusters.at("laptop").plugin, "local");
  EXPECT_TRUE(c.clusters.at("laptop").options.values.empty());
}

TEST_F(config_file, a_syntax_error_names_file_line_column_and_key) {
  auto e = error_loading("[logging]\nlevel = \"info\n");
  EXPECT_TRUE(contains(e, "troupe: " + path_ + ":2:14: logging.level: invalid TOML")) << e;
  e = error_loading("[worker]\nnthreads =\n");
  EXPECT_TRUE(contains(e, "troupe: " + path_ + ":2:11: worker.nthreads: invalid TOML")) << e;
}

TEST_F(config_file, unknown_sections_and_keys_are_refused_with_the_known_ones) {
  auto e = error_loading("[logging]\nlevle = \"info\"\n");
  EXPECT_TRUE(contains(e, path_ + ":2:1: logging.levle: unknown key (known keys of [logging]: "
                            "level)")) << e;
  e = error_loading("# settings\n[loging]\nlevel = \"info\"\n");
  EXPECT_TRUE(contains(e, path_ + ":2:2: loging: unknown section (known sections: scheduler, "
                            "worker, client, network, plugins, dashboard, logging, cluster.NAME)")) << e;
  e = error_loading("[scheduler]\nport = 1\nhots = \"x\"\n");
  EXPECT_TRUE(contains(e, path_ + ":3:1: scheduler.hots: unknown key (known keys of [scheduler]: "
                            "host, port, heartbeat_interval, worker_timeout, allowed_failures)"))
    << e;
}

TEST_F(config_file, a_value_of_the_wrong_type_says_what_was_expected) {
  auto e = error_loading("[scheduler]\nport = \"abc\"\n");
  EXPECT_TRUE(contains(e, "troupe: " + path_ + ":2:8: scheduler.port: expected an integer from 0 "
                            "to 65535, got a string (\"abc\")")) << e;
  e = error_loading("[client]\n\ntimeout = true\n");
  EXPECT_TRUE(contains(e, path_ + ":3:11: client.timeout: expected a duration")) << e;
  e = error_loading("[worker]\nload = [\"a\", 1]\n");
  EXPECT_TRUE(contains(e, path_ + ":2:14: worker.load[1]: expected a string, got an integer (1)"))
    << e;
  e = error_loading("[cluster.x]\nplugin = \"local\"\nhosts = [\"a\"]\n");
  EXPECT_TRUE(contains(e, path_ + ":3:9: cluster.x.hosts: expected a boolean, integer, float or "
                            "string, got an array")) << e;
  e = error_loading("[cluster.x]\nn_workers = 2\n");
  EXPECT_TRUE(contains(e, path_ + ":1:1: cluster.x.plugin: missing")) << e;
}

TEST_F(config_file, a_bad_unit_names_file_line_column_and_key) {
  auto e = error_loading("[worker]\nmemory_limit = \"2 XB\"\n");
  EXPECT_TRUE(contains(e, path_ + ":2:16: worker.memory_limit: '2 XB' is not a byte size: "
                            "unknown unit 'XB'")) << e;
  e = error_loading("[client]\ntimeout = \"5 parsecs\"\n");
  EXPECT_TRUE(contains(e, path_ + ":2:11: client.timeout: '5 parsecs' is not a duration")) << e;
}

TEST_F(config_file, values_out_of_range_are_refused) {
  const std::pair<const char*, const char*> cases[] = {
    {"[scheduler]\nport = 70000\n", ":2:8: scheduler.port: expected an integer from 0 to 65535"},
    {"[worker]\nnthreads = 0\n", ":2:12: worker.nthreads: expected an integer >= 1"},
    {"[scheduler]\nallowed_failures = -1\n", ":2:20: scheduler.allowed_failures: expected an "
                                             "integer >= 0"},
    {"[scheduler]\nworker_timeout = 0\n", ":2:18: scheduler.worker_timeout: must be at least 1 ms"},
    {"[client]\ntimeout = -3\n", ":2:11: client.timeout: expected a non-negative number"},
    {"[worker]\nmemory_limit = -1\n", ":2:16: worker.memory_limit: expected a byte size"},
    {"[logging]\nlevel = \"loud\"\n", ":2:9: logging.level: unknown log level 'loud'"},
    {"[scheduler]\nhost = \"\"\n", ":2:8: scheduler.host: must not be empty"},
  };
  for (auto& [text, message] : cases) {
    auto e = error_loading(text);
    EXPECT_TRUE(contains(e, path_ + message)) << e;
  }
}

TEST_F(config_file, dashboard_link_placeholders_and_enabled_are_checked) {
  auto e = error_loading("[dashboard]\nlink = \"http://{hots}/\"\n");
  EXPECT_TRUE(contains(e, path_ + ":2:8: dashboard.link:")) << e;
  EXPECT_TRUE(contains(e, "{hots}")) << e;
  EXPECT_TRUE(contains(e, "{host} and {port}")) << e;
  e = error_loading("[dashboard]\nlink = \"http://{host}:{port}/{path}\"\n");
  EXPECT_TRUE(contains(e, "dashboard.link:")) << e;
  EXPECT_TRUE(contains(e, "{path}")) << e;
  e = error_loading("[dashboard]\nenabled = \"yes\"\n");
  EXPECT_TRUE(contains(e, path_ + ":2:11: dashboard.enabled: expected true or false, got a string "
                            "(\"yes\")")) << e;
  // The good forms load.
  auto path = write("good.toml", "[dashboard]\nenabled = false\nport = 0\n"
                                 "link = \"https://{host}/proxy/{port}/status\"\n");
  auto c = troupe::load_runtime_config(path);
  EXPECT_FALSE(c.dashboard.enabled);
  EXPECT_EQ(c.dashboard.port, 0);
  EXPECT_EQ(c.dashboard.link, "https://{host}/proxy/{port}/status");
}

TEST_F(config_file, a_missing_file_is_an_error_naming_it) {
  try {
    troupe::load_config("/nonexistent/troupe.toml");
    FAIL() << "no error";
  } catch (const troupe::config_error& e) {
    EXPECT_TRUE(contains(e.what(), "/nonexistent/troupe.toml")) << e.what();
  }
}

TEST_F(config_search, explicit_path_beats_troupe_config_beats_home) {
  auto home = write("home/.config/troupe/troupe.toml", "[scheduler]\nport = 1001\n");
  auto env = write("env.toml", "[scheduler]\nport = 1002\n");
  auto explicit_path = write("explicit.toml", "[scheduler]\nport = 1003\n");

  EXPECT_EQ(troupe::find_config_file(), home);
  EXPECT_EQ(troupe::load_runtime_config().scheduler.port, 1001);

  setenv("TROUPE_CONFIG", env.c_str(), 1);
  EXPECT_EQ(troupe::find_config_file(), env);
  auto c = troupe::load_runtime_config();
  EXPECT_EQ(c.scheduler.port, 1002);
  EXPECT_EQ(c.source, env);

  EXPECT_EQ(troupe::find_config_file(explicit_path), explicit_path);
  EXPECT_EQ(troupe::load_runtime_config(explicit_path).scheduler.port, 1003);
}

TEST_F(config_search, a_named_file_that_is_missing_is_an_error) {
  auto missing = (dir_ / "missing.toml").string();
  EXPECT_THROW(troupe::find_config_file(missing), troupe::config_error);
  setenv("TROUPE_CONFIG", missing.c_str(), 1);
  try {
    troupe::find_config_file();
    FAIL() << "no error";
  } catch (const troupe::config_error& e) {
    EXPECT_TRUE(contains(e.what(), "TROUPE_CONFIG=" + missing)) << e.what();
  }
}

TEST_F(config_search, no_file_means_defaults) {
  if (fs::exists("/etc/troupe/troupe.toml")) {  // the last place searched
    EXPECT_EQ(troupe::find_config_file(), std::string{"/etc/troupe/troupe.toml"});
    return;
  }
  EXPECT_EQ(troupe::find_config_file(), std::nullopt);
  auto c = troupe::load_runtime_config();
  EXPECT_EQ(c.source, "");
  EXPECT_EQ(c.scheduler.port, 8786);
  EXPECT_EQ(c.worker.reconnect_timeout, 30s);
}

TEST_F(config_env, environment_variables_beat_the_file) {
  auto path = write("file.toml", "[scheduler]\nhost = \"10.0.0.1\"\nport = 9000\n"
                                 "[worker]\nmemory_limit = \"1 GiB\"\n"
                                 "[logging]\nlevel = \"info\"\n");
  setenv("TROUPE_SCHEDULER__PORT", "9100", 1);
  setenv("TROUPE_WORKER__MEMORY_LIMIT", "2 GiB", 1);
  setenv("TROUPE_LOGGING__LEVEL", "debug", 1);
  setenv("TROUPE_CLIENT__TIMEOUT", "30 s", 1);
  setenv("TROUPE_PLUGINS__SEARCH_PATH", "/a:~/b", 1);
  setenv("TROUPE_WORKER__LOAD", "", 1);
  auto c = troupe::load_runtime_config(path);
  EXPECT_EQ(c.scheduler.host, "10.0.0.1"); // from the file
  EXPECT_EQ(c.scheduler.port, 9100);
  EXPECT_EQ(c.worker.memory_limit, 2ull << 30);
  EXPECT_EQ(c.logging.level, "debug");
  EXPECT_EQ(c.client.timeout, 30s);
  EXPECT_EQ(c.plugins.search_path,
            (std::vector<std::string>{"/a", (dir_ / "home/b").string()}));
  EXPECT_TRUE(c.worker.load.empty());
}

TEST_F(config_env, dashboard_settings_come_from_the_environment) {
  auto path = write("file.toml", "[dashboard]\nenabled = true\nport = 9000\n");
  auto c = troupe::load_runtime_config(path);
  EXPECT_TRUE(c.dashboard.enabled);
  EXPECT_EQ(c.dashboard.port, 9000);
  setenv("TROUPE_DASHBOARD__ENABLED", "false", 1);
  setenv("TROUPE_DASHBOARD__PORT", "0", 1);
  c = troupe::load_runtime_config(path);
  EXPECT_FALSE(c.dashboard.enabled);
  EXPECT_EQ(c.dashboard.port, 0);
  setenv("TROUPE_DASHBOARD__ENABLED", "yes", 1);
  try {
    troupe::load_runtime_config(path);
    ADD_FAILURE() << "TROUPE_DASHBOARD__ENABLED=yes was accepted";
  } catch (const troupe::config_error& e) {
    EXPECT_TRUE(contains(e.what(), "TROUPE_DASHBOARD__ENABLED=\"yes\": dashboard.enabled: "
                                   "expected true or false")) << e.what();
  }
}

TEST_F(config_env, the_old_names_still_work_below_the_new_ones) {
  setenv("TROUPE_LOG_LEVEL", "error", 1);
  setenv("TROUPE_TIMEOUT", "12.5", 1);
  auto c = troupe::load_runtime_config();
  EXPECT_EQ(c.logging.level, "error");
  EXPECT_EQ(c.client.timeout, 12500ms);
  setenv("TROUPE_LOGGING__LEVEL", "info", 1);
  setenv("TROUPE_CLIENT__TIMEOUT", "2", 1);
  c = troupe::load_runtime_config();
  EXPECT_EQ(c.logging.level, "info");
  EXPECT_EQ(c.client.timeout, 2s);
}

TEST_F(config_env, a_bad_value_names_the_variable) {
  auto error_with = [](const char* name, const char* value) -> std::string {
    setenv(name, value, 1);
    std::string message = "no error";
    try {
      troupe::load_runtime_config();
    } catch (const troupe::config_error& e) {
      message = e.what();
    }
    unsetenv(name);
    return message;
  };
  auto e = error_with("TROUPE_SCHEDULER__PORT", "abc");
  EXPECT_TRUE(contains(e, "troupe: TROUPE_SCHEDULER__PORT=\"abc\": scheduler.port: expected an "
                          "integer from 0 to 65535")) << e;
  e = error_with("TROUPE_WORKER__MEMORY_LIMIT", "2 XB");
  EXPECT_TRUE(contains(e, "TROUPE_WORKER__MEMORY_LIMIT=\"2 XB\": worker.memory_limit: '2 XB' is "
                          "not a byte size")) << e;
  e = error_with("TROUPE_TIMEOUT", "soon");
  EXPECT_TRUE(contains(e, "TROUPE_TIMEOUT=\"soon\": client.timeout")) << e;
  e = error_with("TROUPE_LOG_LEVEL", "loud");
  EXPECT_TRUE(contains(e, "TROUPE_LOG_LEVEL=\"loud\": logging.level: unknown log level")) << e;
  e = error_with("TROUPE_SCHEDULER__PROT", "1");
  EXPECT_TRUE(contains(e, "TROUPE_SCHEDULER__PROT: unknown key 'scheduler.prot'")) << e;
  e = error_with("TROUPE_SCHEDULR__PORT", "1");
  EXPECT_TRUE(contains(e, "TROUPE_SCHEDULR__PORT: unknown section 'schedulr'")) << e;
}

TEST_F(config_env, current_config_is_loaded_once_and_shared) {
  // What the search finds here (defaults unless /etc/troupe has a file).
  const int expected_port = troupe::load_runtime_config().scheduler.port;
  // The first call in this process: nothing else in this binary calls it.
  const troupe::runtime_config* seen_by_thread = nullptr;
  std::thread other{[&] { seen_by_thread = &troupe::current_config(); }};
  const auto& c = troupe::current_config();
  other.join();
  EXPECT_EQ(&c, seen_by_thread);
  EXPECT_EQ(c.scheduler.port, expected_port);
  setenv("TROUPE_SCHEDULER__PORT", "9999", 1);
  EXPECT_EQ(troupe::current_config().scheduler.port, expected_port);  // not read again
}

TEST_F(config_env, apply_config_sets_the_log_level) {
  auto before = troupe::log_level();
  troupe::runtime_config c;
  c.logging.level = "error";
  troupe::apply_config(c);
  EXPECT_EQ(troupe::log_level(), "error");
  c.logging.level = "debug";
  troupe::apply_config(c);
  EXPECT_EQ(troupe::log_level(), "debug");
  troupe::set_log_level(before);
}

// In a fresh process ("threadsafe" death tests re-run the binary), since the
// process-wide configuration is loaded only once.
TEST_F(config_env, a_bad_file_at_start_up_is_thrown_by_the_cluster) {
  GTEST_FLAG_SET(death_test_style, "threadsafe");
  auto path = write("start.toml", "[scheduler]\nport = \"abc\"\n");
  setenv("TROUPE_CONFIG", path.c_str(), 1);
  auto start_cluster = [&] {
    int code = 0;
    try {
      troupe::local_cluster cluster{{.n_workers = 1}};
    } catch (const troupe::config_error& e) {
      std::cerr << e.what() << "\n";
      code = 3;
    }
    fs::remove_all(dir_);
    std::exit(code);
  };
  EXPECT_EXIT(start_cluster(), ::testing::ExitedWithCode(3),
              "start\\.toml:2:8: scheduler\\.port: expected an integer");
}
