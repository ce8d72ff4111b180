// The host side of the plugin ABI (sdk/include/troupe/sdk/plugin.h): finds a
// cluster backend plugin, loads it, checks its version, table and options,
// and wraps one backend instance in a C++ class that throws.
#pragma once

#include <chrono>
#include <cstdint>
#include <filesystem>
#include <functional>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <vector>

#include <troupe/sdk/plugin.h>
#include <troupe/sdk/plugin.hpp>

#include "troupe/errors.hpp"
#include "troupe/options.hpp"

namespace troupe::internal {

// ---- finding -------------------------------------------------------------

/// A directory the loader searches, and why (for error messages).
struct plugin_search_dir {
  std::filesystem::path dir;
  std::string origin;  ///< "search path", "TROUPE_PLUGIN_PATH", ...
};

/// In order: `extra`, $TROUPE_PLUGIN_PATH (colon list), `plugins/` next to
/// the running executable, the build tree's plugin directory, the installed
/// plugin directory (<libdir>/troupe/plugins), and troupe/plugins beside the
/// loaded libtroupe (an install moved elsewhere). Duplicates are dropped.
std::vector<plugin_search_dir> plugin_search_dirs(const std::vector<std::filesystem::path>& extra);

/// The file for plugin `name`: libtroupe-<name>.so or troupe-<name>.so in
/// the first directory that has one; a name with a '/' is a path. Throws
/// config_error listing every directory searched.
std::filesystem::path find_plugin(const std::string& name,
                                  const std::vector<std::filesystem::path>& search_paths);

// ---- loading -------------------------------------------------------------

/// A loaded plugin whose version and table were checked. Backends made from
/// it hold a shared_ptr, so the library outlives them.
class plugin_library {
public:
  /// Loads with RTLD_NOW, negotiates, checks the table. Throws config_error:
  /// not a loadable library (with dlerror's text), a missing entry point,
  /// an unsupported SDK version, a short table or an empty required slot.
  static std::shared_ptr<plugin_library> load(const std::filesystem::path& path);
  ~plugin_library();
  plugin_library(const plugin_library&) = delete;
  plugin_library& operator=(const plugin_library&) = delete;

  /// The plugin's table, copied into a full-size v1 struct: slots beyond the
  /// plugin's struct_size read as NULL (not supported).
  const troupe_plugin_table& table() const { return table_; }
  /// The plugin's own struct_size.
  std::uint32_t table_size() const { return table_size_; }
  std::uint32_t version() const { return version_; }
  const std::filesystem::path& path() const { return path_; }
  const std::string& name() const { return name_; }

private:
  struct impl;
  plugin_library() = default;

  std::unique_ptr<impl> impl_;  // the library handle
  troupe_plugin_table table_{};
  std::uint32_t table_size_ = 0;
  std::uint32_t version_ = 0;
  std::filesystem::path path_;
  std::string name_;
};

// ---- options -------------------------------------------------------------

/// "2 GiB", "1.5GB", "512 kB", "100" -> bytes (k = 1000, Ki = 1024).
std::optional<std::uint64_t> parse_byte_size(const std::string& text);
/// "30 s", "500ms", "2 min", "1.5h", "10" (seconds) -> nanoseconds.
std::optional<std::chrono::nanoseconds> parse_time_span(const std::string& text);

/// Options checked against a plugin's schema, as the C array create() takes
/// (defaults included). Owns the strings the array points to.
class plugin_option_values {
public:
  /// Throws config_error naming the key (and options.where's "file:line:col"):
  /// an unknown key (with the known ones), a wrong type, a missing required one.
  plugin_option_values(const plugin_library& library, const cluster_options& options);
  plugin_option_values(const plugin_option_values&) = delete;
  plugin_option_values& operator=(const plugin_option_values&) = delete;

  const troupe_option* data() const { return options_.data(); }
  std::size_t size() const { return options_.size(); }
  const troupe_option* find(const std::string& key) const;

private:
  std::vector<std::unique_ptr<std::string>> strings_;  // stable addresses
  std::vector<troupe_option> options_;
};

// ---- a backend -----------------------------------------------------------

/// A launch spec on the host side: the SDK's own C++ form (scheduler
/// address, worker argv, "K=V" env, threads and memory per worker, name
/// prefix; 0 or "" leaves it to the backend), so host and plugin convert
/// to and from troupe_launch_spec with the same code.
using plugin_launch_spec = sdk::launch_spec;

enum class plugin_worker_state { starting, running, stopping, exited, failed };

struct plugin_worker_info {
  std::string id;
  plugin_worker_state state = plugin_worker_state::starting;
  std::int64_t pid = -1;
  int exit_code = 0;  ///< once gone: exit status, or -signal
};

struct plugin_status {
  std::uint32_t requested = 0;
  std::uint32_t running = 0;
  std::uint32_t exited = 0;
  std::vector<plugin_worker_info> workers;
};

/// A worker started, exited or failed, as the plugin reported it.
struct worker_event {
  enum class kind { started, exited, failed };
  std::string worker_id;
  kind what = kind::started;
  int exit_code = 0;  ///< exit status, or -signal when killed
  std::string detail;
};

/// What the host offers a plugin. Called from the plugin's threads; must
/// not call the plugin_backend back (its calls are serialised).
struct plugin_host_callbacks {
  std::function<void(const worker_event&)> on_worker_event;
  /// Both set: the host runs in-process workers (threads mode); both empty:
  /// the plugin is told the host cannot. Throwing reports a failure.
  std::function<void(const plugin_launch_spec&, const std::string& name)> start_inprocess_worker;
  std::function<void(const std::string& name)> stop_inprocess_worker;
};

/// A plugin's call returned non-zero.
class plugin_call_error : public error {
public:
  plugin_call_error(int code, const std::string& message) : error(message), code_(code) {}
  /// The plugin's code (a troupe_error_code or its own).
  int code() const noexcept { return code_; }

private:
  int code_;
};

/// One backend instance. Owns the plugin's backend and a share of its
/// library: the backend is destroyed (stopping its workers) before the
/// library can be unloaded. Calls are serialised; not copyable or movable
/// (the plugin holds a pointer to the host state).
class plugin_backend {
public:
  /// find_plugin(name, search_paths), load, validate `options`, create.
  plugin_backend(const std::string& name, const std::vector<std::filesystem::path>& search_paths,
                 const cluster_options& options, plugin_host_callbacks callbacks = {});
  /// From a library already loaded.
  plugin_backend(std::shared_ptr<plugin_library> library, const cluster_options& options,
                 plugin_host_callbacks callbacks = {});
  ~plugin_backend();
  plugin_backend(const plugin_backend&) = delete;
  plugin_backend& operator=(const plugin_backend&) = delete;

  /// n = TROUPE_WORKERS_DEFAULT: the plugin's configured number.
  void start_workers(const plugin_launch_spec& spec, std::uint32_t n = TROUPE_WORKERS_DEFAULT);
  void scale(const plugin_launch_spec& spec, std::uint32_t n);
  void stop_worker(const std::string& worker_id);
  void stop_all();
  plugin_status status();

  /// Whether the plugin fills the optional describe_worker slot.
  bool supports_describe_worker() const;
  /// std::nullopt for an unknown worker; throws plugin_call_error
  /// (TROUPE_ERR_NOT_SUPPORTED) when the plugin lacks the slot.
  std::optional<plugin_worker_info> describe_worker(const std::string& worker_id);

  /// The plugin's answer to a TROUPE_QUERY_* question (`spec` as that
  /// question wants it); std::nullopt when the plugin has no query slot or
  /// does not answer this one. Other failures throw plugin_call_error.
  std::optional<std::string> query(const std::string& what,
                                   const plugin_launch_spec* spec = nullptr);

  /// Replaces the worker event handler (thread-safe).
  void on_worker_event(std::function<void(const worker_event&)> handler);

  const plugin_library& library() const { return *library_; }
  const std::string& name() const { return library_->name(); }

  struct host_state;  // the troupe_host_api and what its callbacks reach

private:
  void check(int rc, const troupe_error& err, const char* what) const;

  std::shared_ptr<plugin_library> library_;  // destroyed last
  std::unique_ptr<host_state> host_;         // outlives backend_
  troupe_backend* backend_ = nullptr;
  std::mutex call_mutex_;
};

} // namespace troupe::internal
