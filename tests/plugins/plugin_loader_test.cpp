// The plugin loader against real shared libraries, good and broken: each
// failure is a config_error that says what is wrong and where.
#include <cstdlib>
#include <filesystem>

#include <dlfcn.h>

#include "plugin_test_util.hpp"

using namespace troupe::internal;
using plugin_test::error_of;
using plugin_test::test_plugin;
using testing::HasSubstr;
using testing::Not;

namespace {

// A value for the C plugin's required option.
troupe::cluster_options token() { return {{"token", std::string{"t"}}}; }

std::string libtroupe_dir() {
  Dl_info info{};
  ::dladdr(reinterpret_cast<void*>(&find_plugin), &info);
  return std::filesystem::path{info.dli_fname}.parent_path().string();
}

struct env_var {
  env_var(const char* name, const char* value) : name_(name) {
    if (const char* old = std::getenv(name))
      old_ = old;
    ::setenv(name, value, 1);
  }
  ~env_var() {
    if (old_)
      ::setenv(name_, old_->c_str(), 1);
    else
      ::unsetenv(name_);
  }
  const char* name_;
  std::optional<std::string> old_;
};

} // namespace

TEST(plugin_loader, not_found_lists_every_directory_searched) {
  env_var path{"TROUPE_PLUGIN_PATH", "/nowhere/one::/nowhere/two"};
  auto msg = error_of([] { find_plugin("nosuch", {"/nowhere/given"}); });
  EXPECT_THAT(msg, HasSubstr("cluster plugin 'nosuch' not found"));
  EXPECT_THAT(msg, HasSubstr("libtroupe-nosuch.so and troupe-nosuch.so"));
  auto exe = std::filesystem::read_symlink("/proc/self/exe").parent_path() / "plugins";
  // Every directory, in search order.
  std::vector<std::string> dirs = {"/nowhere/given (search path)",
                                   "/nowhere/one (TROUPE_PLUGIN_PATH)",
                                   "/nowhere/two (TROUPE_PLUGIN_PATH)",
                                   exe.string() + " (next to the program)",
                                   std::string{TROUPE_PLUGIN_BUILD_DIR} + " (build tree)",
                                   std::string{TROUPE_PLUGIN_INSTALL_DIR} + " (installed plugins)",
                                   libtroupe_dir() + "/troupe/plugins (next to libtroupe)"};
  std::size_t at = 0;
  for (auto& d : dirs) {
    auto pos = msg.find("\n  " + d);
    ASSERT_NE(pos, std::string::npos) << d << " missing from:\n" << msg;
    EXPECT_GT(pos, at) << d << " out of order in:\n" << msg;
    at = pos;
  }
}

TEST(plugin_loader, search_paths_come_before_the_environment) {
  env_var path{"TROUPE_PLUGIN_PATH", "/nowhere"};
  EXPECT_EQ(find_plugin("cplugin", {TROUPE_TEST_PLUGIN_DIR}), test_plugin("cplugin"));
  auto dirs = plugin_search_dirs({"/first"});
  ASSERT_GE(dirs.size(), 2U);
  EXPECT_EQ(dirs[0].dir, "/first");
  EXPECT_EQ(dirs[1].dir, "/nowhere");
}

TEST(plugin_loader, troupe_plugin_path_is_searched) {
  env_var path{"TROUPE_PLUGIN_PATH", "/nowhere:" TROUPE_TEST_PLUGIN_DIR};
  EXPECT_EQ(find_plugin("cplugin", {}), test_plugin("cplugin"));
}

TEST(plugin_loader, the_build_tree_has_the_local_plugin) {
  EXPECT_EQ(find_plugin("local", {}),
            std::filesystem::path{TROUPE_PLUGIN_BUILD_DIR} / "libtroupe-local.so");
}

TEST(plugin_loader, a_path_is_used_as_given) {
  EXPECT_EQ(find_plugin(test_plugin("cplugin"), {}), test_plugin("cplugin"));
  EXPECT_THAT(error_of([] { find_plugin("/nowhere/libtroupe-x.so", {}); }),
              HasSubstr("/nowhere/libtroupe-x.so does not exist"));
}

TEST(plugin_loader, a_good_c_plugin_loads) {
  auto lib = plugin_library::load(test_plugin("cplugin"));
  EXPECT_EQ(lib->name(), "cplugin");
  EXPECT_EQ(lib->version(), 1U);
  EXPECT_EQ(lib->table_size(), sizeof(troupe_plugin_table));
  EXPECT_EQ(lib->table().n_options, 8U);
}

TEST(plugin_loader, a_text_file_is_not_a_shared_library) {
  auto path = test_plugin("notalib");
  auto msg = error_of([&] { plugin_library::load(path); });
  EXPECT_THAT(msg, HasSubstr(path + " exists but is not a loadable shared library"));
  // dlerror's own words, not Boost's errno text.
  EXPECT_THAT(msg, HasSubstr("invalid ELF header")) << msg;
  EXPECT_THAT(msg, Not(HasSubstr("dlerror system message")));
}

TEST(plugin_loader, an_undefined_symbol_fails_at_load_not_at_first_call) {
  auto msg = error_of([] { plugin_library::load(test_plugin("undefined")); });
  EXPECT_THAT(msg, HasSubstr("not a loadable shared library"));
  EXPECT_THAT(msg, HasSubstr("undefined symbol: troupe_test_function_that_does_not_exist"));
}

TEST(plugin_loader, a_missing_get_table_is_named) {
  auto path = test_plugin("nogettable");
  auto msg = error_of([&] { plugin_library::load(path); });
  EXPECT_THAT(msg, HasSubstr(path + " is not a troupe plugin: it does not export "
                                    "troupe_plugin_get_table"));
}

TEST(plugin_loader, a_missing_negotiate_is_named) {
  auto msg = error_of([] { plugin_library::load(test_plugin("nonegotiate")); });
  EXPECT_THAT(msg, HasSubstr("does not export troupe_plugin_negotiate"));
}

TEST(plugin_loader, a_newer_sdk_version_is_refused_with_both_versions) {
  auto msg = error_of([] { plugin_library::load(test_plugin("future")); });
  EXPECT_THAT(msg, HasSubstr("unsupported plugin SDK version"));
  EXPECT_THAT(msg, HasSubstr("the plugin speaks version 99"));
  EXPECT_THAT(msg, HasSubstr("this troupe speaks versions 1 to 1"));
}

TEST(plugin_loader, a_plugin_that_refuses_to_negotiate_is_refused) {
  auto msg = error_of([] { plugin_library::load(test_plugin("refuses")); });
  EXPECT_THAT(msg, HasSubstr("refused to negotiate and speaks version 7"));
  EXPECT_THAT(msg, HasSubstr("versions 1 to 1"));
}

TEST(plugin_loader, an_empty_required_slot_is_named) {
  auto msg = error_of([] { plugin_library::load(test_plugin("nullslot")); });
  EXPECT_THAT(msg, HasSubstr("cluster plugin 'nullslot'"));
  EXPECT_THAT(msg, HasSubstr("leaves the required slot 'stop_worker' empty"));
}

TEST(plugin_loader, an_older_smaller_table_loads_without_the_optional_slot) {
  auto lib = plugin_library::load(test_plugin("oldtable"));
  EXPECT_EQ(lib->table_size(), offsetof(troupe_plugin_table, describe_worker));
  // The pointer after the plugin's table was not read as describe_worker.
  EXPECT_EQ(lib->table().describe_worker, nullptr);

  plugin_test::event_log log;
  plugin_backend b{lib, token(), {log.handler(), {}, {}}};
  EXPECT_FALSE(b.supports_describe_worker());
  try {
    b.describe_worker("c-0");
    ADD_FAILURE() << "describe_worker should be refused";
  } catch (const plugin_call_error& e) {
    EXPECT_EQ(e.code(), TROUPE_ERR_NOT_SUPPORTED);
    EXPECT_THAT(e.what(), HasSubstr("does not support describe_worker"));
  }
  EXPECT_FALSE(b.query(TROUPE_QUERY_JOB_SCRIPT, nullptr));  // no query slot either
  // The required slots work as usual.
  b.start_workers({}, 2);
  EXPECT_EQ(log.count(worker_event::kind::started), 2U);
  EXPECT_EQ(b.status().requested, 2U);
}

TEST(plugin_loader, a_full_table_offers_the_optional_slot) {
  plugin_backend b{test_plugin("cplugin"), {}, token()};
  ASSERT_TRUE(b.supports_describe_worker());
  auto w = b.describe_worker("c-0");
  ASSERT_TRUE(w);
  EXPECT_EQ(w->pid, 4242);
  EXPECT_EQ(w->state, plugin_worker_state::running);
  EXPECT_FALSE(b.describe_worker("c-9"));
  auto s = b.status();
  ASSERT_EQ(s.workers.size(), 1U);
  EXPECT_EQ(s.workers[0].id, "c-summary");
}

// The query slot: the C++ helper answers TROUPE_QUERY_SCHEDULER_HOST with
// the backend's scheduler_host() ("" by default) and refuses a job script
// and an unknown question as not supported, which the host sees as "none".
TEST(plugin_loader, query_answers_what_the_backend_overrides_and_nothing_else) {
  plugin_backend local{"local", {}, {}};
  EXPECT_EQ(local.query(TROUPE_QUERY_SCHEDULER_HOST), std::optional<std::string>{""});
  plugin_launch_spec spec;
  spec.scheduler_address = "tcp://127.0.0.1:1";
  EXPECT_FALSE(local.query(TROUPE_QUERY_JOB_SCRIPT, &spec));
  EXPECT_FALSE(local.query("no such question"));
  plugin_backend c{test_plugin("cplugin"), {}, token()};  // a C table with a NULL query
  EXPECT_FALSE(c.query(TROUPE_QUERY_SCHEDULER_HOST));
}

TEST(plugin_loader, a_failing_create_is_a_config_error_with_the_plugins_message) {
  auto opts = token();
  opts.values["fail"] = true;
  EXPECT_THAT(error_of([&] { plugin_backend b(test_plugin("cplugin"), {}, opts); }),
              HasSubstr("cluster plugin 'cplugin': create failed: cplugin: asked to fail"));
}

TEST(plugin_loader, the_cpp_helper_turns_every_exception_into_an_error) {
  auto path = test_plugin("throwing");
  EXPECT_THAT(error_of([&] { plugin_backend b(path, {}, {{"fail_create", true}}); }),
              HasSubstr("create failed: throwing: create was asked to fail"));

  plugin_backend b{path, {}, {{"limit", std::string{"4 KiB"}}}};
  plugin_launch_spec spec;
  spec.scheduler_address = "tcp://127.0.0.1:1";
  EXPECT_THAT(error_of<troupe::error>([&] { b.start_workers(spec, 1); }),
              HasSubstr("start_workers failed: throwing: cannot start workers for "
                        "tcp://127.0.0.1:1"));
  EXPECT_THAT(error_of<troupe::error>([&] { b.scale(spec, 1); }),
              HasSubstr("scale failed: unknown exception"));
  try {
    b.stop_worker("w-1");
    ADD_FAILURE() << "stop_worker should throw";
  } catch (const plugin_call_error& e) {
    EXPECT_EQ(e.code(), TROUPE_ERR_UNKNOWN_WORKER);
    EXPECT_THAT(e.what(), HasSubstr("throwing: no worker w-1"));
  }
  auto s = b.status();  // options arrived converted: 4 KiB
  EXPECT_EQ(s.requested, 4U);
  ASSERT_EQ(s.workers.size(), 1U);
  EXPECT_EQ(s.workers[0].pid, 17);
  EXPECT_TRUE(b.supports_describe_worker());  // the helper always fills it
  EXPECT_EQ(b.describe_worker("t-0")->pid, 17);
  EXPECT_FALSE(b.describe_worker("t-1"));
}

TEST(plugin_loader, the_cpp_helper_takes_an_empty_schema) {
  plugin_backend b{test_plugin("noschema"), {}, {}};
  EXPECT_EQ(b.library().table().n_options, 0U);
  b.start_workers({}, 3);
  EXPECT_EQ(b.status().requested, 3U);
  EXPECT_THAT(error_of([] { plugin_backend b(test_plugin("noschema"), {}, {{"x", true}}); }),
              HasSubstr("unknown option 'x' for cluster plugin 'noschema' (known: none)"));
}

TEST(plugin_loader, the_library_is_unloaded_after_its_last_backend) {
  auto path = std::string{TROUPE_PLUGIN_BUILD_DIR} + "/libtroupe-local.so";
  {
    plugin_backend b{"local", {}, {}};
    void* h = ::dlopen(path.c_str(), RTLD_NOW | RTLD_NOLOAD);
    ASSERT_NE(h, nullptr);
    ::dlclose(h);
  }
  // No STB_GNU_UNIQUE symbol pins it: the plugin's code is really gone.
  EXPECT_EQ(::dlopen(path.c_str(), RTLD_NOW | RTLD_NOLOAD), nullptr);
}
