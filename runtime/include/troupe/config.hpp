// Runtime settings: a TOML file (see config/troupe.toml for every key), found
// by find_config_file, then overridden by TROUPE_<SECTION>__<KEY> variables.
#pragma once

#include <chrono>
#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "troupe/options.hpp"

namespace troupe {

/// [scheduler]
struct scheduler_settings {
  std::string host = "127.0.0.1";
  int port = 8786; ///< 0: any free port
  /// How often workers tell the scheduler they are alive.
  std::chrono::milliseconds heartbeat_interval{500};
  /// A worker silent this long is dead.
  std::chrono::milliseconds worker_timeout{2000};
  /// A task may die with this many workers; one more fails it.
  int allowed_failures = 3;
};

/// [worker]
struct worker_settings {
  int nthreads = 1;
  std::uint64_t memory_limit = 0; ///< bytes; 0 = auto
  std::string name;               ///< empty: host-pid
  /// Keep retrying a lost scheduler this long, then exit.
  std::chrono::milliseconds reconnect_timeout{30000};
  std::vector<std::string> load; ///< task libraries to load (paths)
};

/// [client]
struct client_settings {
  /// What future.get, gather etc. wait by default.
  std::chrono::milliseconds timeout{3600 * 1000};
  /// Connecting to a scheduler, with retries.
  std::chrono::milliseconds connect_timeout{30000};
};

/// [network]: limits that protect a node from peers that misbehave.
struct network_settings {
  /// A control message (BASP frame) announcing more bytes than this drops
  /// its sender; scattering more than this in one call is refused.
  std::uint64_t max_message_size = 1ull << 30;
  /// A new connection must complete CAF's handshake within this time.
  std::chrono::milliseconds handshake_timeout{10000};
  /// A data-path frame, once begun, must be complete within this time.
  std::chrono::milliseconds frame_timeout{30000};
};

/// [plugins]
struct plugin_settings {
  /// Directories searched for plugins ("~" expanded; relative to the file).
  std::vector<std::string> search_path;
};

/// [dashboard]: the scheduler's web dashboard, JSON API and /metrics.
struct dashboard_settings {
  bool enabled = true;
  std::string host = "127.0.0.1";  ///< address the dashboard listens on
  int port = 8787;                 ///< 0: any free port
  /// What dashboard_link() returns; {host} and {port} are filled in.
  std::string link = "http://{host}:{port}/status";
  /// How often the live page is sent an update.
  std::chrono::milliseconds interval{200};
  /// How often workers report memory, CPU and transfers.
  std::chrono::milliseconds metrics_interval{500};
  /// Graphs with more tasks than this are not drawn.
  int graph_limit = 1000;
  /// Task-stream records the scheduler keeps (the oldest are dropped).
  int task_stream_size = 100000;
};

/// [logging]
struct logging_settings {
  std::string level = "warn"; ///< trace, debug, info, warn, error, critical, off
};

/// [cluster.<name>]: `plugin = "local"`; every other key goes into options.
struct cluster_profile {
  std::string plugin;
  cluster_options options;
};

/// Everything a troupe process can be configured with.
struct runtime_config {
  scheduler_settings scheduler;
  worker_settings worker;
  client_settings client;
  network_settings network;
  plugin_settings plugins;
  dashboard_settings dashboard;
  logging_settings logging;
  std::map<std::string, cluster_profile> clusters; ///< by profile name
  std::string source;                              ///< file read, or empty when defaults
};

/// Parses one TOML file (no search, no environment). Throws config_error
/// "troupe: FILE:LINE:COL: KEY.PATH: what is wrong" for syntax errors,
/// unknown sections/keys, wrong types, bad units and values out of range.
runtime_config load_config(const std::string& path);

/// The file to read: explicit path if non-empty (error if it does not
/// exist), else $TROUPE_CONFIG (error if set but missing), else
/// ~/.config/troupe/troupe.toml, else /etc/troupe/troupe.toml; nullopt when
/// none exists.
std::optional<std::string> find_config_file(const std::string& explicit_path = {});

/// find_config_file + load_config (defaults when none) + environment
/// overrides TROUPE_<SECTION>__<KEY> (e.g. TROUPE_SCHEDULER__PORT=9000,
/// TROUPE_WORKER__MEMORY_LIMIT="2 GiB"; lists are separated by ':'). The
/// older TROUPE_LOG_LEVEL and TROUPE_TIMEOUT (seconds) still work, below
/// the new names. A bad value is a config_error naming the variable.
runtime_config load_runtime_config(const std::string& explicit_path = {});

/// The process-wide configuration, loaded once (thread-safe) with
/// load_runtime_config(). If loading throws, the next call tries again.
const runtime_config& current_config();

/// Applies what applies process-wide now (the log level).
void apply_config(const runtime_config& config);

/// "2 GiB", "500 MB", "1.5GB", "1024" -> bytes (KiB/MiB/GiB/TiB = 1024^n,
/// kB/MB/GB/TB = 1000^n, B; any case). Throws config_error on garbage.
std::uint64_t parse_bytes(std::string_view text);

/// "30 minutes", "5s", "100 ms", "2 hours", "1.5 seconds", "250us" ->
/// duration; bare numbers are seconds. Throws config_error on garbage.
std::chrono::nanoseconds parse_duration(std::string_view text);

} // namespace troupe
