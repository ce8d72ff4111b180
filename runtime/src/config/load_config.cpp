// load_config: one TOML file, checked key by key against the schema.
#include "troupe/config.hpp"

#include <algorithm>
#include <filesystem>
#include <fstream>
#include <optional>
#include <tuple>
#include <vector>

#include <toml++/toml.h>

#include "config/bad_value.hpp"
#include "config/schema.hpp"
#include "troupe/errors.hpp"

namespace troupe {

namespace {

using internal::raw_value;

struct entry {
  std::string key;
  toml::source_region key_source; // where unknown keys are reported
  const toml::node* node;
};

// toml++ tables iterate in key order; report problems in the order of the file.
std::vector<entry> in_file_order(const toml::table& table) {
  std::vector<entry> entries;
  for (const auto& [key, node] : table)
    entries.push_back({std::string{key.str()}, key.source(), &node});
  std::sort(entries.begin(), entries.end(), [](const entry& a, const entry& b) {
    const auto& pa = a.key_source.begin;
    const auto& pb = b.key_source.begin;
    return std::tie(pa.line, pa.column) < std::tie(pb.line, pb.column);
  });
  return entries;
}

// Booleans, numbers and strings; nullopt for arrays, tables, dates and times.
std::optional<option_value> option_of(const toml::node& node) {
  if (auto* b = node.as_boolean())
    return option_value{b->get()};
  if (auto* i = node.as_integer())
    return option_value{i->get()};
  if (auto* f = node.as_floating_point())
    return option_value{f->get()};
  if (auto* s = node.as_string())
    return option_value{s->get()};
  return std::nullopt;
}

std::optional<raw_value> plain_value(const toml::node& node) {
  if (auto option = option_of(node))
    return std::visit([](auto& v) { return raw_value{std::move(v)}; }, *option);
  return std::nullopt;
}

std::string describe(const toml::node& node) {
  if (auto value = plain_value(node))
    return internal::describe(*value);
  switch (node.type()) {
    case toml::node_type::table: return "a table";
    case toml::node_type::array: return "an array";
    case toml::node_type::date: return "a date";
    case toml::node_type::time: return "a time";
    default: return "a date-time";
  }
}

// For a syntax error, the key being defined on that line (or the table
// header), found by a rough look at the text: toml++ does not say.
std::string key_path_near(const std::string& path, std::size_t error_line) {
  auto trim = [](std::string s) {
    s.erase(0, s.find_first_not_of(" \t"));
    s.erase(s.find_last_not_of(" \t\r") + 1);
    return s;
  };
  std::ifstream in{path};
  std::string line;
  std::string section;
  for (std::size_t n = 1; n <= error_line && std::getline(in, line); ++n) {
    line = trim(line);
    if (line.starts_with("[")) {
      auto name = line.substr(line.find_first_not_of("["));
      section = trim(name.substr(0, name.find(']')));
      if (n == error_line)
        return section;
    } else if (n == error_line) {
      auto eq = line.find('=');
      auto key = eq == std::string::npos ? std::string{} : trim(line.substr(0, eq));
      if (key.empty())
        return section;
      return section.empty() ? key : section + "." + key;
    }
  }
  return {};
}

class toml_reader {
public:
  explicit toml_reader(std::string path) : path_(std::move(path)) {}

  runtime_config read() {
    std::error_code ec;
    if (!std::filesystem::exists(path_, ec))
      throw config_error("troupe: " + path_ + ": no such config file");
    if (!std::filesystem::is_regular_file(path_, ec)) // a directory would read as empty
      throw config_error("troupe: " + path_ + ": not a file");
    dir_ = std::filesystem::absolute(path_, ec).parent_path();
    toml::table root;
    try {
      root = toml::parse_file(path_);
    } catch (const toml::parse_error& e) {
      if (e.source().begin.line == 0) // could not be read at all
        throw config_error("troupe: " + path_ + ": " + std::string{e.description()});
      fail(e.source(), key_path_near(path_, e.source().begin.line),
           "invalid TOML: " + std::string{e.description()});
    }
    config_.source = path_;
    for (const auto& e : in_file_order(root))
      if (e.key == "cluster")
        read_profiles(*e.node);
      else
        read_section(e);
    return std::move(config_);
  }

private:
  std::string place(const toml::source_region& region) const {
    return path_ + ":" + std::to_string(region.begin.line) + ":"
           + std::to_string(region.begin.column);
  }

  [[noreturn]] void fail(const toml::source_region& region, const std::string& key_path,
                         const std::string& what) const {
    throw config_error("troupe: " + place(region) + ": " + (key_path.empty() ? "" : key_path + ": ")
                       + what);
  }

  void read_section(const entry& at) {
    const auto& name = at.key;
    const auto& node = *at.node;
    const auto* section = internal::find_section(name);
    if (!section)
      fail(at.key_source, name,
           "unknown section (known sections: " + internal::section_names() + ")");
    const auto* table = node.as_table();
    if (!table)
      fail(node.source(), name, "expected a table [" + name + "], got " + describe(node));
    for (const auto& [key, key_source, value] : in_file_order(*table)) {
      auto key_path = name + "." + key;
      const auto* spec = section->find(key);
      if (!spec)
        fail(key_source, key_path,
             "unknown key (known keys of [" + name + "]: " + section->key_names() + ")");
      auto raw = read_value(*value, key_path);
      if (!raw)
        fail(value->source(), key_path, "expected " + spec->expected + ", got " + describe(*value));
      try {
        spec->set(config_, *raw, dir_);
      } catch (const internal::bad_value& e) {
        fail(value->source(), key_path, e.what());
      }
    }
  }

  // Arrays must hold strings (the only arrays the schema has).
  std::optional<raw_value> read_value(const toml::node& node, const std::string& key_path) const {
    const auto* array = node.as_array();
    if (!array)
      return plain_value(node);
    std::vector<std::string> strings;
    for (std::size_t i = 0; i < array->size(); ++i) {
      const auto* s = (*array)[i].as_string();
      if (!s)
        fail((*array)[i].source(), key_path + "[" + std::to_string(i) + "]",
             "expected a string, got " + describe((*array)[i]));
      strings.push_back(s->get());
    }
    return raw_value{std::move(strings)};
  }

  // [cluster.NAME]: plugin = "..." and free-form options for that plugin.
  void read_profiles(const toml::node& node) {
    const auto* profiles = node.as_table();
    if (!profiles)
      fail(node.source(), "cluster", "expected profiles [cluster.NAME], got " + describe(node));
    for (const auto& [name, name_source, profile_node] : in_file_order(*profiles)) {
      auto profile_path = "cluster." + name;
      const auto* table = profile_node->as_table();
      if (!table)
        fail(profile_node->source(), profile_path,
             "expected a profile table [" + profile_path + "], got " + describe(*profile_node));
      cluster_profile profile;
      for (const auto& [key, key_source, value] : in_file_order(*table)) {
        auto key_path = profile_path + "." + key;
        if (key == "plugin") {
          const auto* s = value->as_string();
          if (!s || s->get().empty())
            fail(value->source(), key_path,
                 "expected the plugin's name such as \"local\", got " + describe(*value));
          profile.plugin = s->get();
          continue;
        }
        auto option = option_of(*value);
        if (!option)
          fail(value->source(), key_path,
               "expected a boolean, integer, float or string, got " + describe(*value));
        profile.options.values[key] = std::move(*option);
        profile.options.where[key] = place(value->source());
      }
      if (profile.plugin.empty())
        fail(profile_node->source(), profile_path + ".plugin",
             "missing: a profile names the plugin that starts it, e.g. plugin = \"local\"");
      config_.clusters[name] = std::move(profile);
    }
  }

  std::string path_;
  std::filesystem::path dir_;
  runtime_config config_;
};

} // namespace

runtime_config load_config(const std::string& path) { return toml_reader{path}.read(); }

} // namespace troupe
