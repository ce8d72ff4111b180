// cluster_options checked against a plugin's schema before create(): bad
// ones name the key and, when read from a file, its place.
#include "plugin_test_util.hpp"

using namespace troupe::internal;
using namespace std::chrono_literals;
using plugin_test::error_of;
using plugin_test::test_plugin;
using testing::HasSubstr;

namespace {

std::shared_ptr<plugin_library> cplugin() {
  static auto lib = plugin_library::load(test_plugin("cplugin"));
  return lib;
}

troupe::cluster_options with_token(troupe::cluster_options o) {
  o.values.emplace("token", std::string{"t"});
  return o;
}

} // namespace

TEST(plugin_options, byte_sizes_with_units) {
  EXPECT_EQ(parse_byte_size("123"), 123U);
  EXPECT_EQ(parse_byte_size("2 GiB"), 2ULL << 30);
  EXPECT_EQ(parse_byte_size("2GiB"), 2ULL << 30);
  EXPECT_EQ(parse_byte_size("1.5 gb"), 1500000000U);
  EXPECT_EQ(parse_byte_size("512 kB"), 512000U);
  EXPECT_EQ(parse_byte_size("4 KiB"), 4096U);
  EXPECT_EQ(parse_byte_size(" 10 B "), 10U);
  EXPECT_EQ(parse_byte_size("1 TiB"), 1ULL << 40);
  EXPECT_FALSE(parse_byte_size("lots"));
  EXPECT_FALSE(parse_byte_size("2 GiBs"));
  EXPECT_FALSE(parse_byte_size("-1 GB"));
  EXPECT_FALSE(parse_byte_size(""));
  EXPECT_FALSE(parse_byte_size("100000 PiB"));  // beyond 2^63
}

TEST(plugin_options, durations_with_units) {
  EXPECT_EQ(parse_time_span("30 s"), 30s);
  EXPECT_EQ(parse_time_span("30"), 30s);
  EXPECT_EQ(parse_time_span("500ms"), 500ms);
  EXPECT_EQ(parse_time_span("2 min"), 120s);
  EXPECT_EQ(parse_time_span("1.5h"), 5400s);
  EXPECT_EQ(parse_time_span("250 us"), 250us);
  EXPECT_EQ(parse_time_span("1 day"), 86400s);
  EXPECT_FALSE(parse_time_span("soon"));
  EXPECT_FALSE(parse_time_span("3 fortnights"));
  EXPECT_FALSE(parse_time_span("-2 s"));
}

TEST(plugin_options, defaults_are_filled_in_and_converted) {
  plugin_option_values v{*cplugin(), with_token({})};
  ASSERT_TRUE(v.find("count"));
  EXPECT_EQ(v.find("count")->int_value, 3);
  EXPECT_DOUBLE_EQ(v.find("ratio")->float_value, 0.5);
  EXPECT_STREQ(v.find("label")->string_value, "x");
  EXPECT_EQ(v.find("fail")->bool_value, 0);
  EXPECT_EQ(v.find("size")->int_value, 1024);
  EXPECT_EQ(v.find("timeout")->int_value, 2'000'000'000);
  EXPECT_DOUBLE_EQ(v.find("timeout")->float_value, 2.0);
  EXPECT_STREQ(v.find("token")->string_value, "t");
  EXPECT_FALSE(v.find("note"));  // no default, not given: absent
  EXPECT_EQ(v.size(), 7U);
}

TEST(plugin_options, units_strings_and_numbers_are_accepted) {
  plugin_option_values v{*cplugin(), with_token({{"size", std::string{"2 GiB"}},
                                                 {"timeout", std::string{"30 s"}},
                                                 {"ratio", std::int64_t{2}},
                                                 {"count", std::int64_t{-4}}})};
  EXPECT_EQ(v.find("size")->int_value, std::int64_t{2} << 30);
  EXPECT_STREQ(v.find("size")->string_value, "2 GiB");
  EXPECT_EQ(v.find("timeout")->int_value, 30'000'000'000);
  EXPECT_DOUBLE_EQ(v.find("ratio")->float_value, 2.0);  // an integer where a number goes
  EXPECT_EQ(v.find("count")->int_value, -4);

  plugin_option_values n{*cplugin(), with_token({{"size", std::int64_t{77}},
                                                 {"timeout", 0.25}})};
  EXPECT_EQ(n.find("size")->int_value, 77);
  EXPECT_EQ(n.find("timeout")->int_value, 250'000'000);  // a number is seconds
}

TEST(plugin_options, an_unknown_key_lists_the_known_ones_and_its_place) {
  auto o = with_token({{"cuont", std::int64_t{2}}});
  o.where["cuont"] = "profile.toml:4:1";
  auto msg = error_of([&] { plugin_option_values v(*cplugin(), o); });
  EXPECT_THAT(msg, HasSubstr("troupe: profile.toml:4:1: unknown option 'cuont' for cluster "
                             "plugin 'cplugin'"));
  EXPECT_THAT(msg, HasSubstr("(known: count, ratio, label, fail, size, timeout, token, note)"));
}

TEST(plugin_options, a_wrong_type_names_the_key_the_type_and_its_place) {
  auto o = with_token({{"count", std::string{"two"}}});
  o.where["count"] = "profile.toml:7:9";
  EXPECT_THAT(error_of([&] { plugin_option_values v(*cplugin(), o); }),
              HasSubstr("troupe: profile.toml:7:9: option 'count' of cluster plugin 'cplugin' "
                        "must be an integer, not \"two\""));
  // From code: no place.
  auto msg = error_of([] { plugin_option_values v(*cplugin(), with_token({{"fail", 1.5}})); });
  EXPECT_THAT(msg, HasSubstr("troupe: option 'fail' of cluster plugin 'cplugin' must be a "
                             "boolean (true or false), not 1.5"));
  EXPECT_THAT(error_of([] {
                plugin_option_values v(*cplugin(), with_token({{"label", std::int64_t{3}}}));
              }),
              HasSubstr("option 'label' of cluster plugin 'cplugin' must be a string, not 3"));
}

TEST(plugin_options, a_bad_unit_string_says_what_is_expected) {
  auto o = with_token({{"size", std::string{"lots"}}, });
  o.where["size"] = "p.toml:2:8";
  EXPECT_THAT(error_of([&] { plugin_option_values v(*cplugin(), o); }),
              HasSubstr("p.toml:2:8: option 'size' of cluster plugin 'cplugin' must be a size: "
                        "bytes as an integer, or a string such as \"2 GiB\", not \"lots\""));
  EXPECT_THAT(error_of([] {
                plugin_option_values v(*cplugin(), with_token({{"timeout", std::string{"soon"}}}));
              }),
              HasSubstr("option 'timeout' of cluster plugin 'cplugin' must be a duration"));
  EXPECT_THAT(error_of([] {
                plugin_option_values v(*cplugin(), with_token({{"size", std::int64_t{-1}}}));
              }),
              HasSubstr("must be a size"));
}

TEST(plugin_options, a_missing_required_option_is_named) {
  EXPECT_THAT(error_of([] { plugin_option_values v(*cplugin(), {}); }),
              HasSubstr("troupe: cluster plugin 'cplugin' needs option 'token' "
                        "(a required string)"));
}

TEST(plugin_options, the_backend_checks_options_before_create) {
  troupe::cluster_options o{{"n_wokers", std::int64_t{2}}};
  o.where["n_wokers"] = "cluster.toml:3:1";
  auto msg = error_of([&] { plugin_backend b("local", {}, o); });
  EXPECT_THAT(msg, HasSubstr("troupe: cluster.toml:3:1: unknown option 'n_wokers' for cluster "
                             "plugin 'local' (known: n_workers, threads_per_worker, "
                             "memory_limit, processes, name, stop_grace, restart, restart_min_uptime)"));
  EXPECT_THAT(error_of([] { plugin_backend b("local", {}, {{"memory_limit", true}}); }),
              HasSubstr("option 'memory_limit' of cluster plugin 'local' must be a size"));
  // A value of the right type that the plugin refuses: its own message.
  EXPECT_THAT(error_of([] {
                plugin_backend b("local", {}, {{"threads_per_worker", std::int64_t{0}}});
              }),
              HasSubstr("cluster plugin 'local': create failed: threads_per_worker must be at "
                        "least 1"));
}
