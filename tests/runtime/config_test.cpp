// TOML runtime settings: good files load; bad ones name file, line and key.
#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>

#include <troupe/troupe.hpp>

namespace {

std::string write_temp(const std::string& name, const std::string& text) {
  auto path = std::filesystem::temp_directory_path()
              / ("troupe-" + std::to_string(getpid()) + "-" + name);
  std::ofstream{path} << text;
  return path.string();
}

std::string error_of(const std::string& path) {
  try {
    troupe::load_config(path);
  } catch (const troupe::config_error& e) {
    return e.what();
  }
  return "no error";
}

} // namespace

TEST(config, a_good_file_loads) {
  auto path = write_temp("good.toml", "[logging]\nlevel = \"debug\"\n[client]\ntimeout = 12.5\n");
  auto c = troupe::load_config(path);
  EXPECT_EQ(c.log_level, "debug");
  EXPECT_DOUBLE_EQ(c.timeout_seconds.value(), 12.5);
  std::filesystem::remove(path);
}

TEST(config, the_sample_file_in_config_loads) {
  auto c = troupe::load_config(TROUPE_SOURCE_DIR "/config/troupe.toml");
  EXPECT_EQ(c.log_level, "info");
  EXPECT_DOUBLE_EQ(c.timeout_seconds.value(), 3600);
}

TEST(config, a_syntax_error_names_file_line_and_column) {
  auto path = write_temp("syntax.toml", "[logging]\nlevel = \"info\n");
  auto e = error_of(path);
  EXPECT_NE(e.find(path + ":2:"), std::string::npos) << e;
  std::filesystem::remove(path);
}

TEST(config, a_value_of_the_wrong_type_names_the_key_and_line) {
  auto path = write_temp("type.toml", "[client]\n\ntimeout = \"soon\"\n");
  auto e = error_of(path);
  EXPECT_NE(e.find(path + ":3:"), std::string::npos) << e;
  EXPECT_NE(e.find("client.timeout"), std::string::npos) << e;
  std::filesystem::remove(path);
}

TEST(config, unknown_keys_sections_and_levels_are_refused) {
  auto a = write_temp("key.toml", "[logging]\nlevle = \"info\"\n");
  EXPECT_NE(error_of(a).find("unknown key 'logging.levle'"), std::string::npos) << error_of(a);
  auto b = write_temp("section.toml", "[loging]\nlevel = \"info\"\n");
  EXPECT_NE(error_of(b).find("unknown section 'loging'"), std::string::npos) << error_of(b);
  auto c = write_temp("level.toml", "[logging]\nlevel = \"loud\"\n");
  EXPECT_NE(error_of(c).find("unknown log level 'loud'"), std::string::npos) << error_of(c);
  for (auto& p : {a, b, c})
    std::filesystem::remove(p);
}

TEST(config, a_missing_file_is_an_error_naming_it) {
  auto e = error_of("/nonexistent/troupe.toml");
  EXPECT_NE(e.find("/nonexistent/troupe.toml"), std::string::npos) << e;
}
