// Finding and loading plugins; checking options against their schema.
#include "cluster/plugin_host.hpp"

#include "troupe/config.hpp"

#include <algorithm>
#include <cctype>
#include <charconv>
#include <cmath>
#include <cstdlib>
#include <cstring>
#include <limits>
#include <system_error>

#include <dlfcn.h>

#include <boost/dll/shared_library.hpp>

namespace troupe::internal {

namespace fs = std::filesystem;

// ---- finding -------------------------------------------------------------

std::vector<plugin_search_dir> plugin_search_dirs(const std::vector<fs::path>& extra) {
  std::vector<plugin_search_dir> dirs;
  auto add = [&](fs::path dir, std::string origin) {
    if (dir.empty())
      return;
    dir = dir.lexically_normal();
    for (auto& d : dirs)
      if (d.dir == dir)
        return;
    dirs.push_back({std::move(dir), std::move(origin)});
  };
  for (auto& p : extra)
    add(p, "search path");
  if (const char* env = std::getenv("TROUPE_PLUGIN_PATH"); env && *env) {
    std::string list = env;
    std::size_t start = 0;
    while (start <= list.size()) {
      auto end = list.find(':', start);
      if (end == std::string::npos)
        end = list.size();
      add(list.substr(start, end - start), "TROUPE_PLUGIN_PATH");
      start = end + 1;
    }
  }
  std::error_code ec;
  if (auto exe = fs::read_symlink("/proc/self/exe", ec); !ec)
    add(exe.parent_path() / "plugins", "next to the program");
#ifdef TROUPE_PLUGIN_BUILD_DIR
  add(TROUPE_PLUGIN_BUILD_DIR, "build tree");
#endif
#ifdef TROUPE_PLUGIN_INSTALL_DIR
  add(TROUPE_PLUGIN_INSTALL_DIR, "installed plugins");
#endif
  // An install moved elsewhere (cmake --install --prefix): beside libtroupe.
  Dl_info self{};
  if (::dladdr(reinterpret_cast<void*>(&plugin_search_dirs), &self) && self.dli_fname)
    add(fs::path{self.dli_fname}.parent_path() / "troupe" / "plugins", "next to libtroupe");
  return dirs;
}

fs::path find_plugin(const std::string& name, const std::vector<fs::path>& search_paths) {
  if (name.empty())
    throw config_error("troupe: cluster plugin name is empty");
  std::error_code ec;
  if (name.find('/') != std::string::npos) {
    fs::path p{name};
    if (fs::is_regular_file(p, ec))
      return fs::absolute(p, ec);
    throw config_error("troupe: cluster plugin file " + p.string() + " does not exist");
  }
  std::vector<std::string> files;
  if (name.size() > 3 && name.compare(name.size() - 3, 3, ".so") == 0)
    files = {name};
  else
    files = {"libtroupe-" + name + ".so", "troupe-" + name + ".so"};
  auto dirs = plugin_search_dirs(search_paths);
  for (auto& d : dirs)
    for (auto& f : files)
      if (auto p = d.dir / f; fs::is_regular_file(p, ec))
        return p;
  std::string msg = "troupe: cluster plugin '" + name + "' not found: looked for " + files[0];
  if (files.size() > 1)
    msg += " and " + files[1];
  msg += " in:";
  for (auto& d : dirs)
    msg += "\n  " + d.dir.string() + " (" + d.origin + ")";
  msg += "\nAdd a directory to TROUPE_PLUGIN_PATH, or give the plugin's path.";
  throw config_error(msg);
}

// ---- loading -------------------------------------------------------------

struct plugin_library::impl {
  boost::dll::shared_library lib;
};

plugin_library::~plugin_library() = default;

namespace {

template <class Fn>
Fn* entry_point(boost::dll::shared_library& lib, const fs::path& path, const char* symbol) {
  if (!lib.has(symbol))
    throw config_error("troupe: " + path.string() + " is not a troupe plugin: it does not export "
                       + symbol);
  return &lib.get<Fn>(symbol);
}

} // namespace

std::shared_ptr<plugin_library> plugin_library::load(const fs::path& path) {
  std::shared_ptr<plugin_library> self{new plugin_library};
  self->impl_ = std::make_unique<impl>();
  self->path_ = path;
  auto& lib = self->impl_->lib;
  auto where = path.string();

  std::error_code exists_ec;
  if (!fs::exists(path, exists_ec))
    throw config_error("troupe: cluster plugin file " + where + " does not exist");
  // RTLD_NOW: an undefined symbol fails here, not at its first call.
  boost::dll::fs::error_code ec;
  dlerror();
  lib.load(path, ec, boost::dll::load_mode::rtld_now | boost::dll::load_mode::rtld_local);
  if (ec) {
    const char* why = dlerror();  // Boost's own message adds a meaningless errno text
    throw config_error("troupe: " + where + " exists but is not a loadable shared library: "
                       + (why ? std::string{why} : ec.message()));
  }

  // The version first: nothing else is read before both sides agree.
  auto* negotiate = entry_point<int(std::uint32_t, std::uint32_t*)>(
      lib, path, TROUPE_PLUGIN_NEGOTIATE_SYMBOL);
  std::uint32_t version = 0;
  int rc = negotiate(TROUPE_SDK_VERSION, &version);
  if (rc != 0 || version < TROUPE_SDK_MIN_VERSION || version > TROUPE_SDK_VERSION)
    throw config_error("troupe: " + where + ": unsupported plugin SDK version: the plugin "
                       + (rc != 0 ? "refused to negotiate and " : "")
                       + "speaks version " + std::to_string(version)
                       + ", this troupe speaks versions " + std::to_string(TROUPE_SDK_MIN_VERSION)
                       + " to " + std::to_string(TROUPE_SDK_VERSION));
  self->version_ = version;

  auto* get_table = entry_point<const troupe_plugin_table*(std::uint32_t)>(
      lib, path, TROUPE_PLUGIN_GET_TABLE_SYMBOL);
  const troupe_plugin_table* table = get_table(version);
  if (!table)
    throw config_error("troupe: " + where + ": troupe_plugin_get_table("
                       + std::to_string(version) + ") returned NULL");
  if (table->struct_size < TROUPE_PLUGIN_TABLE_V1_MIN_SIZE)
    throw config_error("troupe: " + where + ": the plugin's table is " + std::to_string(table->struct_size)
                       + " bytes; SDK version 1 needs at least "
                       + std::to_string(TROUPE_PLUGIN_TABLE_V1_MIN_SIZE));
  // Copy what the plugin has; newer slots it lacks stay NULL.
  self->table_size_ = table->struct_size;
  std::memcpy(&self->table_, table, std::min<std::size_t>(table->struct_size, sizeof self->table_));
  self->table_.struct_size = sizeof self->table_;
  auto& t = self->table_;
  self->name_ = t.name ? t.name : path.stem().string();

  auto label = "troupe: cluster plugin '" + self->name_ + "' (" + where + ")";
  if (t.sdk_version < version)
    throw config_error(label + ": its table says SDK version " + std::to_string(t.sdk_version)
                       + " but it negotiated " + std::to_string(version));
  const std::pair<const char*, bool> slots[] = {
      {"create", t.create != nullptr},         {"start_workers", t.start_workers != nullptr},
      {"scale", t.scale != nullptr},           {"stop_worker", t.stop_worker != nullptr},
      {"stop_all", t.stop_all != nullptr},     {"status", t.status != nullptr},
      {"destroy", t.destroy != nullptr}};
  for (auto& [slot, present] : slots)
    if (!present)
      throw config_error(label + " leaves the required slot '" + slot + "' empty");
  if (t.n_options > 0 && !t.options)
    throw config_error(label + ": its schema has " + std::to_string(t.n_options)
                       + " options but no array");
  for (std::size_t i = 0; i < t.n_options; ++i) {
    auto& spec = t.options[i];
    if (!spec.key)
      throw config_error(label + ": option " + std::to_string(i) + " of its schema has no key");
    if (spec.type > TROUPE_OPTION_DURATION)
      throw config_error(label + ": option '" + spec.key + "' has unknown type "
                         + std::to_string(spec.type));
  }
  return self;
}

// ---- units ---------------------------------------------------------------

namespace {

std::string trim_lower(const std::string& s) {
  auto b = s.find_first_not_of(" \t");
  if (b == std::string::npos)
    return {};
  auto e = s.find_last_not_of(" \t");
  std::string out = s.substr(b, e - b + 1);
  for (auto& c : out)
    c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  return out;
}

} // namespace

// One grammar for units everywhere: the configuration's (troupe/config.hpp).
std::optional<std::uint64_t> parse_byte_size(const std::string& text) {
  try {
    return parse_bytes(text);
  } catch (const config_error&) {
    return std::nullopt;
  }
}

std::optional<std::chrono::nanoseconds> parse_time_span(const std::string& text) {
  try {
    return parse_duration(text);
  } catch (const config_error&) {
    return std::nullopt;
  }
}

// ---- options -------------------------------------------------------------

namespace {

const char* type_name(std::uint32_t type) {
  switch (type) {
    case TROUPE_OPTION_BOOL: return "a boolean (true or false)";
    case TROUPE_OPTION_INT: return "an integer";
    case TROUPE_OPTION_FLOAT: return "a number";
    case TROUPE_OPTION_STRING: return "a string";
    case TROUPE_OPTION_BYTES: return "a size: bytes as an integer, or a string such as \"2 GiB\"";
    case TROUPE_OPTION_DURATION:
      return "a duration: seconds as a number, or a string such as \"30 s\"";
  }
  return "?";
}

std::string show(const option_value& v) {
  if (auto* b = std::get_if<bool>(&v))
    return *b ? "true" : "false";
  if (auto* i = std::get_if<std::int64_t>(&v))
    return std::to_string(*i);
  if (auto* d = std::get_if<double>(&v)) {
    char buf[64];
    auto r = std::to_chars(buf, buf + sizeof buf, *d);
    return std::string(buf, r.ptr);
  }
  return "\"" + std::get<std::string>(v) + "\"";
}

std::string text_of(const option_value& v) {
  if (auto* s = std::get_if<std::string>(&v))
    return *s;
  return show(v);
}

// Fills o's value fields from v for spec's type; false: wrong type or form.
bool convert(std::uint32_t type, const option_value& v, troupe_option& o) {
  auto set_int = [&](std::int64_t i) {
    o.int_value = i;
    o.float_value = static_cast<double>(i);
    return true;
  };
  auto* s = std::get_if<std::string>(&v);
  auto* i = std::get_if<std::int64_t>(&v);
  auto* d = std::get_if<double>(&v);
  switch (type) {
    case TROUPE_OPTION_BOOL:
      if (auto* b = std::get_if<bool>(&v)) {
        o.bool_value = *b;
        o.int_value = *b;
        o.float_value = *b;
        return true;
      }
      return false;
    case TROUPE_OPTION_INT:
      return i && set_int(*i);
    case TROUPE_OPTION_FLOAT:
      if (!i && !d)
        return false;
      o.float_value = d ? *d : static_cast<double>(*i);
      o.int_value = static_cast<std::int64_t>(o.float_value);
      return true;
    case TROUPE_OPTION_STRING:
      return s != nullptr;
    case TROUPE_OPTION_BYTES: {
      if (i)
        return *i >= 0 && set_int(*i);
      if (d)
        return *d >= 0 && *d < 0x1p63 && set_int(static_cast<std::int64_t>(*d));
      auto bytes = s ? parse_byte_size(*s) : std::nullopt;
      return bytes && set_int(static_cast<std::int64_t>(*bytes));
    }
    case TROUPE_OPTION_DURATION: {
      std::optional<std::chrono::nanoseconds> ns;
      if (i || d) {
        double seconds = d ? *d : static_cast<double>(*i);
        if (seconds >= 0 && seconds * 1e9 < 0x1p63)
          ns = std::chrono::nanoseconds{static_cast<std::int64_t>(std::round(seconds * 1e9))};
      } else if (s) {
        ns = parse_time_span(*s);
      }
      if (!ns)
        return false;
      o.int_value = ns->count();
      o.float_value = static_cast<double>(ns->count()) / 1e9;
      return true;
    }
  }
  return false;
}

// A schema default is text; read it as the option's type.
std::optional<option_value> from_default(std::uint32_t type, const std::string& text) {
  switch (type) {
    case TROUPE_OPTION_BOOL: {
      auto t = trim_lower(text);
      if (t == "true" || t == "1" || t == "yes" || t == "on")
        return option_value{true};
      if (t == "false" || t == "0" || t == "no" || t == "off")
        return option_value{false};
      return std::nullopt;
    }
    case TROUPE_OPTION_INT: {
      std::int64_t i = 0;
      auto t = trim_lower(text);
      auto [p, ec] = std::from_chars(t.data(), t.data() + t.size(), i);
      if (ec != std::errc{} || p != t.data() + t.size() || t.empty())
        return std::nullopt;
      return option_value{i};
    }
    case TROUPE_OPTION_FLOAT: {
      double d = 0;
      auto t = trim_lower(text);
      auto [p, ec] = std::from_chars(t.data(), t.data() + t.size(), d);
      if (ec != std::errc{} || p != t.data() + t.size() || t.empty())
        return std::nullopt;
      return option_value{d};
    }
    default:
      return option_value{text};
  }
}

} // namespace

plugin_option_values::plugin_option_values(const plugin_library& library,
                                           const cluster_options& options) {
  auto& t = library.table();
  const auto* schema_begin = t.options;
  const auto* schema_end = t.options ? t.options + t.n_options : t.options;
  auto plugin = "cluster plugin '" + library.name() + "'";
  auto at = [&](const std::string& key) {
    auto it = options.where.find(key);
    return it == options.where.end() ? std::string{"troupe: "} : "troupe: " + it->second + ": ";
  };
  auto add = [&](const troupe_option_spec& spec, const option_value& v) {
    troupe_option o{};
    o.key = spec.key;
    o.type = spec.type;
    if (!convert(spec.type, v, o))
      return false;
    strings_.push_back(std::make_unique<std::string>(text_of(v)));
    o.string_value = strings_.back()->c_str();
    options_.push_back(o);
    return true;
  };

  for (auto& [key, value] : options.values) {
    auto spec = std::find_if(schema_begin, schema_end,
                             [&](const troupe_option_spec& s) { return key == s.key; });
    if (spec == schema_end) {
      std::string known;
      for (auto* s = schema_begin; s != schema_end; ++s)
        known += (known.empty() ? "" : ", ") + std::string{s->key};
      throw config_error(at(key) + "unknown option '" + key + "' for " + plugin + " (known: "
                         + (known.empty() ? "none" : known) + ")");
    }
    if (!add(*spec, value))
      throw config_error(at(key) + "option '" + key + "' of " + plugin + " must be "
                         + type_name(spec->type) + ", not " + show(value));
  }
  for (auto* spec = schema_begin; spec != schema_end; ++spec) {
    if (options.values.count(spec->key))
      continue;
    if (spec->required)
      throw config_error("troupe: " + plugin + " needs option '" + spec->key + "'"
                         + (spec->help ? std::string{" ("} + spec->help + ")" : std::string{}));
    if (!spec->default_value)
      continue;
    auto v = from_default(spec->type, spec->default_value);
    if (!v || !add(*spec, *v))
      throw config_error("troupe: " + plugin + " has a bad default for option '" + spec->key
                         + "': \"" + spec->default_value + "\" is not " + type_name(spec->type));
  }
}

const troupe_option* plugin_option_values::find(const std::string& key) const {
  for (auto& o : options_)
    if (key == o.key)
      return &o;
  return nullptr;
}

} // namespace troupe::internal
