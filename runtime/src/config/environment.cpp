#include "config/environment.hpp"

#include <algorithm>
#include <cctype>
#include <charconv>
#include <cstdlib>
#include <string>
#include <vector>

#include <unistd.h> // environ

#include "config/bad_value.hpp"
#include "config/schema.hpp"
#include "troupe/errors.hpp"

namespace troupe::internal {

namespace {

constexpr std::string_view prefix = "TROUPE_";
constexpr std::string_view separator = "__";

std::string lower(std::string_view text) {
  std::string s{text};
  std::transform(s.begin(), s.end(), s.begin(),
                 [](unsigned char c) { return static_cast<char>(std::tolower(c)); });
  return s;
}

std::vector<std::string> split_list(const std::string& text) {
  std::vector<std::string> items;
  if (text.empty())
    return items;
  std::size_t start = 0;
  for (std::size_t end; (end = text.find(':', start)) != std::string::npos; start = end + 1)
    items.push_back(text.substr(start, end - start));
  items.push_back(text.substr(start));
  return items;
}

// Text that is not an integer stays a string, so the key's own check says
// what it expected.
raw_value from_text(value_kind kind, const std::string& text) {
  if (kind == value_kind::text_list)
    return split_list(text);
  if (kind == value_kind::boolean && (text == "true" || text == "false"))
    return text == "true";
  if (kind == value_kind::integer) {
    std::int64_t i = 0;
    auto [end, ec] = std::from_chars(text.data(), text.data() + text.size(), i);
    if (ec == std::errc{} && end == text.data() + text.size() && !text.empty())
      return i;
  }
  return text;
}

[[noreturn]] void fail(const std::string& variable, const std::string& what) {
  throw config_error("troupe: " + variable + ": " + what);
}

void set_from(runtime_config& config, const std::string& variable, const std::string& text,
              const config_section& section, const config_key& key) {
  try {
    key.set(config, from_text(key.kind, text), {});
  } catch (const bad_value& e) {
    fail(variable + "=\"" + text + "\"",
         std::string{section.name} + "." + std::string{key.name} + ": " + e.what());
  }
}

void set_alias(runtime_config& config, const char* variable, std::string_view section_name,
               std::string_view key_name) {
  const char* text = std::getenv(variable);
  if (!text || !*text)
    return;
  const auto* section = find_section(section_name);
  set_from(config, variable, text, *section, *section->find(key_name));
}

// "TROUPE_SCHEDULER__PORT=9000" -> {"TROUPE_SCHEDULER__PORT", "9000"}, sorted
// so that the first error reported does not depend on the environment's order.
std::vector<std::pair<std::string, std::string>> override_variables() {
  std::vector<std::pair<std::string, std::string>> found;
  for (char** e = environ; *e; ++e) {
    std::string_view entry{*e};
    auto eq = entry.find('=');
    auto name = entry.substr(0, eq);
    if (eq != std::string_view::npos && name.starts_with(prefix)
        && name.find(separator) != std::string_view::npos)
      found.emplace_back(std::string{name}, std::string{entry.substr(eq + 1)});
  }
  std::sort(found.begin(), found.end());
  return found;
}

std::string fixed_section_names() {
  std::string names;
  for (const auto& s : config_sections())
    names += (names.empty() ? "" : ", ") + std::string{s.name};
  return names;
}

} // namespace

void apply_environment(runtime_config& config) {
  set_alias(config, "TROUPE_LOG_LEVEL", "logging", "level");
  set_alias(config, "TROUPE_TIMEOUT", "client", "timeout");
  for (const auto& [variable, text] : override_variables()) {
    auto rest = std::string_view{variable}.substr(prefix.size());
    auto at = rest.find(separator);
    auto section_name = lower(rest.substr(0, at));
    auto key_name = lower(rest.substr(at + separator.size()));
    const auto* section = find_section(section_name);
    if (!section)
      fail(variable, "unknown section '" + section_name + "' (known sections: "
                       + fixed_section_names() + "; cluster profiles only in files)");
    const auto* key = section->find(key_name);
    if (!key)
      fail(variable, "unknown key '" + section_name + "." + key_name + "' (known keys of ["
                       + section_name + "]: " + section->key_names() + ")");
    set_from(config, variable, text, *section, *key);
  }
}

} // namespace troupe::internal
