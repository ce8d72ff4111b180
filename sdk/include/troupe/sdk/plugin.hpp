// troupe plugin SDK: an optional header-only C++ layer over plugin.h,
// compiled INTO a plugin. Nothing here crosses the ABI: the host sees only
// the C table that TROUPE_PLUGIN builds.
//
//   class my_backend : public troupe::sdk::backend {
//   public:
//     my_backend(const troupe::sdk::host_api& host, const troupe::sdk::options& opts);
//     void start_workers(const troupe::sdk::launch_spec& spec, std::uint32_t n) override;
//     ...
//   };
//   TROUPE_PLUGIN(my_backend, "mine", "What it does",
//                 troupe::sdk::int_option("n_workers", "2", "workers to start"))
//
// Every exception a method throws becomes the call's troupe_error (a
// troupe::sdk::plugin_error keeps its code). Build plugins with hidden
// visibility so only the two entry points are exported.
#pragma once

#include <chrono>
#include <cstdint>
#include <cstdio>
#include <exception>
#include <map>
#include <memory>
#include <new>
#include <optional>
#include <stdexcept>
#include <string>
#include <string_view>
#include <type_traits>
#include <vector>

#include "troupe/sdk/plugin.h"

namespace troupe::sdk {

/// An error with a troupe_error_code (other exceptions become TROUPE_ERR_FAILED).
class plugin_error : public std::runtime_error {
public:
  plugin_error(int code, const std::string& message) : std::runtime_error(message), code_(code) {}
  int code() const noexcept { return code_; }

private:
  int code_;
};

// ---- schema entries (constexpr, so the schema is a constant) -------------

constexpr troupe_option_spec option(const char* key, std::uint32_t type,
                                    const char* default_value, const char* help) {
  return troupe_option_spec{key, type, 0, default_value, help};
}
constexpr troupe_option_spec bool_option(const char* key, const char* def, const char* help) {
  return option(key, TROUPE_OPTION_BOOL, def, help);
}
constexpr troupe_option_spec int_option(const char* key, const char* def, const char* help) {
  return option(key, TROUPE_OPTION_INT, def, help);
}
constexpr troupe_option_spec float_option(const char* key, const char* def, const char* help) {
  return option(key, TROUPE_OPTION_FLOAT, def, help);
}
constexpr troupe_option_spec string_option(const char* key, const char* def, const char* help) {
  return option(key, TROUPE_OPTION_STRING, def, help);
}
constexpr troupe_option_spec bytes_option(const char* key, const char* def, const char* help) {
  return option(key, TROUPE_OPTION_BYTES, def, help);
}
constexpr troupe_option_spec duration_option(const char* key, const char* def,
                                             const char* help) {
  return option(key, TROUPE_OPTION_DURATION, def, help);
}
/// required(int_option("port", nullptr, "...")): the user must give it.
constexpr troupe_option_spec required(troupe_option_spec spec) {
  spec.required = 1;
  return spec;
}

// ---- values the host passes ----------------------------------------------

/// The options create() received, copied (the host's array dies with the call).
class options {
public:
  options() = default;
  options(const troupe_option* opts, std::size_t n) {
    for (std::size_t i = 0; i < n; ++i)
      if (opts[i].key)
        values_[opts[i].key] = value{opts[i].bool_value != 0, opts[i].int_value,
                                     opts[i].float_value,
                                     opts[i].string_value ? opts[i].string_value : ""};
  }

  bool has(const std::string& key) const { return values_.count(key) != 0; }
  bool get_bool(const std::string& key, bool def) const {
    auto* v = find(key);
    return v ? v->b : def;
  }
  std::int64_t get_int(const std::string& key, std::int64_t def) const {
    auto* v = find(key);
    return v ? v->i : def;
  }
  double get_float(const std::string& key, double def) const {
    auto* v = find(key);
    return v ? v->f : def;
  }
  std::string get_string(const std::string& key, const std::string& def) const {
    auto* v = find(key);
    return v ? v->s : def;
  }
  /// A BYTES option, in bytes.
  std::uint64_t get_bytes(const std::string& key, std::uint64_t def) const {
    auto* v = find(key);
    return v ? static_cast<std::uint64_t>(v->i) : def;
  }
  /// A DURATION option.
  std::chrono::nanoseconds get_duration(const std::string& key,
                                        std::chrono::nanoseconds def) const {
    auto* v = find(key);
    return v ? std::chrono::nanoseconds{v->i} : def;
  }

private:
  struct value {
    bool b;
    std::int64_t i;
    double f;
    std::string s;
  };
  const value* find(const std::string& key) const {
    auto it = values_.find(key);
    return it == values_.end() ? nullptr : &it->second;
  }
  std::map<std::string, value> values_;
};

/// A copy of a troupe_launch_spec.
struct launch_spec {
  std::string scheduler_address;
  std::vector<std::string> argv;
  std::vector<std::string> env;  ///< "K=V"
  std::uint32_t threads_per_worker = 0;
  std::uint64_t memory_limit = 0;
  std::string name_prefix;

  static launch_spec from_c(const troupe_launch_spec* c) {
    launch_spec s;
    if (!c)
      return s;
    auto str = [](const char* p) { return p ? std::string{p} : std::string{}; };
    auto list = [](const char* const* p) {
      std::vector<std::string> out;
      for (; p && *p; ++p)
        out.emplace_back(*p);
      return out;
    };
    if (TROUPE_HAS_FIELD(c, troupe_launch_spec, scheduler_address))
      s.scheduler_address = str(c->scheduler_address);
    if (TROUPE_HAS_FIELD(c, troupe_launch_spec, argv))
      s.argv = list(c->argv);
    if (TROUPE_HAS_FIELD(c, troupe_launch_spec, env))
      s.env = list(c->env);
    if (TROUPE_HAS_FIELD(c, troupe_launch_spec, threads_per_worker))
      s.threads_per_worker = c->threads_per_worker;
    if (TROUPE_HAS_FIELD(c, troupe_launch_spec, memory_limit))
      s.memory_limit = c->memory_limit;
    if (TROUPE_HAS_FIELD(c, troupe_launch_spec, name_prefix))
      s.name_prefix = str(c->name_prefix);
    return s;
  }
};

/// A C view of a launch_spec, which must outlive it.
class launch_spec_view {
public:
  explicit launch_spec_view(const launch_spec& s) {
    for (auto& a : s.argv)
      argv_.push_back(a.c_str());
    argv_.push_back(nullptr);
    for (auto& e : s.env)
      env_.push_back(e.c_str());
    env_.push_back(nullptr);
    c_.struct_size = sizeof c_;
    c_.scheduler_address = s.scheduler_address.c_str();
    c_.argv = argv_.data();
    c_.env = env_.data();
    c_.threads_per_worker = s.threads_per_worker;
    c_.memory_limit = s.memory_limit;
    c_.name_prefix = s.name_prefix.c_str();
  }
  launch_spec_view(const launch_spec_view&) = delete;
  launch_spec_view& operator=(const launch_spec_view&) = delete;
  const troupe_launch_spec* get() const { return &c_; }

private:
  std::vector<const char*> argv_;
  std::vector<const char*> env_;
  troupe_launch_spec c_{};
};

enum class worker_state { starting, running, stopping, exited, failed };
static_assert(static_cast<int>(worker_state::starting) == TROUPE_WORKER_STARTING
              && static_cast<int>(worker_state::failed) == TROUPE_WORKER_FAILED);

struct worker_info {
  std::string id;
  worker_state state = worker_state::starting;
  std::int64_t pid = -1;  ///< -1: no process of its own
  int exit_code = 0;      ///< once gone: exit status, or -signal
};

struct status {
  std::uint32_t requested = 0;
  std::uint32_t running = 0;
  std::uint32_t exited = 0;
  std::vector<worker_info> workers;
};

/// The host's callbacks. Safe to call from any thread; never throws except
/// where said.
class host_api {
public:
  host_api() = default;
  explicit host_api(const troupe_host_api* api) : api_(api) {}

  void log(int level, const std::string& msg) const noexcept {
    if (api_ && TROUPE_HAS_FIELD(api_, troupe_host_api, log) && api_->log)
      api_->log(api_->host_ctx, level, msg.c_str());
  }
  void debug(const std::string& msg) const noexcept { log(TROUPE_LOG_DEBUG, msg); }
  void info(const std::string& msg) const noexcept { log(TROUPE_LOG_INFO, msg); }
  void warn(const std::string& msg) const noexcept { log(TROUPE_LOG_WARN, msg); }
  void error(const std::string& msg) const noexcept { log(TROUPE_LOG_ERROR, msg); }

  void worker_event(const std::string& id, int event, int exit_code,
                    const std::string& detail) const noexcept {
    if (api_ && TROUPE_HAS_FIELD(api_, troupe_host_api, worker_event) && api_->worker_event)
      api_->worker_event(api_->host_ctx, id.c_str(), event, exit_code, detail.c_str());
  }

  /// Whether the host can run workers in its own process.
  bool has_inprocess_workers() const noexcept {
    return api_ && TROUPE_HAS_FIELD(api_, troupe_host_api, stop_inprocess_worker)
           && api_->start_inprocess_worker && api_->stop_inprocess_worker;
  }
  /// Throws plugin_error with the host's message on failure.
  void start_inprocess_worker(const launch_spec& spec, const std::string& name) const {
    if (!has_inprocess_workers())
      throw plugin_error(TROUPE_ERR_NOT_SUPPORTED, "the host cannot run in-process workers");
    launch_spec_view view{spec};
    troupe_error err{};
    if (api_->start_inprocess_worker(api_->host_ctx, view.get(), name.c_str(), &err) != 0)
      throw plugin_error(err.code ? err.code : TROUPE_ERR_FAILED, err.message);
  }
  void stop_inprocess_worker(const std::string& name) const {
    if (!has_inprocess_workers())
      throw plugin_error(TROUPE_ERR_NOT_SUPPORTED, "the host cannot run in-process workers");
    troupe_error err{};
    if (api_->stop_inprocess_worker(api_->host_ctx, name.c_str(), &err) != 0)
      throw plugin_error(err.code ? err.code : TROUPE_ERR_FAILED, err.message);
  }

  const troupe_host_api* get() const noexcept { return api_; }

private:
  const troupe_host_api* api_ = nullptr;
};

/// What a backend implements. The destructor must stop every worker.
class backend {
public:
  explicit backend(const host_api& h) : host_(h) {}
  virtual ~backend() = default;
  backend(const backend&) = delete;
  backend& operator=(const backend&) = delete;

  /// n == TROUPE_WORKERS_DEFAULT: the configured number.
  virtual void start_workers(const launch_spec& spec, std::uint32_t n) = 0;
  virtual void scale(const launch_spec& spec, std::uint32_t n) = 0;
  virtual void stop_worker(const std::string& id) = 0;
  virtual void stop_all() = 0;
  virtual sdk::status status() = 0;
  /// Default: looks the worker up in status().
  virtual std::optional<worker_info> describe_worker(const std::string& id) {
    for (auto& w : status().workers)
      if (w.id == id)
        return w;
    return std::nullopt;
  }
  /// The exact text a worker started with `spec` runs (a batch job's
  /// script). Default: TROUPE_ERR_NOT_SUPPORTED.
  virtual std::string job_script(const launch_spec& spec) const {
    (void)spec;
    throw plugin_error(TROUPE_ERR_NOT_SUPPORTED, "this backend has no job script");
  }
  /// Where the host's scheduler should listen so that this backend's
  /// workers reach it; "" (the default) leaves it to the host (loopback).
  virtual std::string scheduler_host() const { return {}; }
  /// Starts the cluster's scheduler with `scheduler.argv` (e.g. as a batch
  /// job) and returns its address once it listens; "" (the default): the
  /// host runs the scheduler itself.
  virtual std::string start_scheduler(const launch_spec& scheduler) {
    (void)scheduler;
    return {};
  }

  const host_api& host() const noexcept { return host_; }

private:
  host_api host_;
};

namespace detail {

inline void set_error(troupe_error* err, int code, const char* msg) noexcept {
  if (!err)
    return;
  err->code = code;
  std::snprintf(err->message, sizeof err->message, "%s", msg ? msg : "");
}

// Runs f; turns every exception into (code, message). Nothing escapes.
template <class F>
int guard(troupe_error* err, F&& f) noexcept {
  try {
    f();
    return 0;
  } catch (const plugin_error& e) {
    int code = e.code() != 0 ? e.code() : TROUPE_ERR_FAILED;
    set_error(err, code, e.what());
    return code;
  } catch (const std::bad_alloc&) {
    set_error(err, TROUPE_ERR_FAILED, "out of memory");
  } catch (const std::exception& e) {
    set_error(err, TROUPE_ERR_FAILED, e.what());
  } catch (...) {
    set_error(err, TROUPE_ERR_FAILED, "unknown exception");
  }
  return TROUPE_ERR_FAILED;
}

inline backend& self(troupe_backend* b) {
  if (!b)
    throw plugin_error(TROUPE_ERR_INVALID_ARGUMENT, "backend is NULL");
  return *reinterpret_cast<backend*>(b);
}

inline void fill_info(const worker_info& w, troupe_worker_info& out) noexcept {
  // The caller set struct_size; v1 fields always fit a v1 struct.
  if (TROUPE_HAS_FIELD(&out, troupe_worker_info, state))
    out.state = static_cast<std::int32_t>(w.state);
  if (TROUPE_HAS_FIELD(&out, troupe_worker_info, pid))
    out.pid = w.pid;
  if (TROUPE_HAS_FIELD(&out, troupe_worker_info, exit_code))
    out.exit_code = w.exit_code;
  if (TROUPE_HAS_FIELD(&out, troupe_worker_info, id))
    std::snprintf(out.id, sizeof out.id, "%s", w.id.c_str());
}

template <class Backend>
int create(const troupe_host_api* host, const troupe_option* opts, std::size_t n,
           troupe_backend** out, troupe_error* err) noexcept {
  return guard(err, [&] {
    if (!out)
      throw plugin_error(TROUPE_ERR_INVALID_ARGUMENT, "create: out is NULL");
    *out = nullptr;
    std::unique_ptr<backend> b = std::make_unique<Backend>(host_api{host}, options{opts, n});
    *out = reinterpret_cast<troupe_backend*>(b.release());
  });
}

inline int start_workers(troupe_backend* b, const troupe_launch_spec* spec, std::uint32_t n,
                         troupe_error* err) noexcept {
  return guard(err, [&] { self(b).start_workers(launch_spec::from_c(spec), n); });
}

inline int scale(troupe_backend* b, const troupe_launch_spec* spec, std::uint32_t n,
                 troupe_error* err) noexcept {
  return guard(err, [&] { self(b).scale(launch_spec::from_c(spec), n); });
}

inline int stop_worker(troupe_backend* b, const char* id, troupe_error* err) noexcept {
  return guard(err, [&] { self(b).stop_worker(id ? id : ""); });
}

inline int stop_all(troupe_backend* b, troupe_error* err) noexcept {
  return guard(err, [&] { self(b).stop_all(); });
}

inline int get_status(troupe_backend* b, troupe_status* out, troupe_error* err) noexcept {
  return guard(err, [&] {
    if (!out)
      throw plugin_error(TROUPE_ERR_INVALID_ARGUMENT, "status: out is NULL");
    auto s = self(b).status();
    if (TROUPE_HAS_FIELD(out, troupe_status, exited)) {
      out->requested = s.requested;
      out->running = s.running;
      out->exited = s.exited;
    }
    if (!TROUPE_HAS_FIELD(out, troupe_status, worker_ctx) || !out->worker)
      return;
    for (auto& w : s.workers) {
      troupe_worker_info info{};
      info.struct_size = sizeof info;
      fill_info(w, info);
      out->worker(out->worker_ctx, &info);
    }
  });
}

inline int describe_worker(troupe_backend* b, const char* id, troupe_worker_info* out,
                           troupe_error* err) noexcept {
  return guard(err, [&] {
    if (!out || !id)
      throw plugin_error(TROUPE_ERR_INVALID_ARGUMENT, "describe_worker: NULL argument");
    auto w = self(b).describe_worker(id);
    if (!w)
      throw plugin_error(TROUPE_ERR_UNKNOWN_WORKER, std::string{"no worker named '"} + id + "'");
    fill_info(*w, *out);
  });
}

inline int query(troupe_backend* b, const char* what, const troupe_launch_spec* spec,
                 void (*sink)(void*, const char*, std::size_t), void* sink_ctx,
                 troupe_error* err) noexcept {
  return guard(err, [&] {
    if (!what || !sink)
      throw plugin_error(TROUPE_ERR_INVALID_ARGUMENT, "query: NULL argument");
    std::string_view q{what};
    std::string answer;
    if (q == TROUPE_QUERY_JOB_SCRIPT) {
      if (!spec)
        throw plugin_error(TROUPE_ERR_INVALID_ARGUMENT, "query job_script: NULL launch spec");
      answer = self(b).job_script(launch_spec::from_c(spec));
    } else if (q == TROUPE_QUERY_SCHEDULER_HOST) {
      answer = self(b).scheduler_host();
    } else if (q == TROUPE_QUERY_SCHEDULER_ADDRESS) {
      if (!spec)
        throw plugin_error(TROUPE_ERR_INVALID_ARGUMENT,
                           "query scheduler_address: NULL launch spec");
      answer = self(b).start_scheduler(launch_spec::from_c(spec));
    } else {
      throw plugin_error(TROUPE_ERR_NOT_SUPPORTED,
                         "query: unknown question '" + std::string{q} + "'");
    }
    sink(sink_ctx, answer.data(), answer.size());
  });
}

inline void destroy(troupe_backend* b) noexcept {
  try {
    delete reinterpret_cast<backend*>(b);
  } catch (...) {
  }
}

inline int negotiate(std::uint32_t host_max, std::uint32_t* version) noexcept {
  if (!version)
    return 1;
  // Tables only grow: this plugin speaks every version from 1 to its own.
  if (host_max < 1) {
    *version = 1;
    return 1;
  }
  *version = host_max < TROUPE_SDK_VERSION ? host_max : TROUPE_SDK_VERSION;
  return 0;
}

template <class Backend>
troupe_plugin_table make_table(const char* name, const char* description,
                               const troupe_option_spec* schema, std::size_t n) noexcept {
  static_assert(std::is_base_of_v<backend, Backend>,
                "TROUPE_PLUGIN: the class must derive from troupe::sdk::backend");
  static_assert(std::is_constructible_v<Backend, const host_api&, const options&>,
                "TROUPE_PLUGIN: the class needs a constructor "
                "(const troupe::sdk::host_api&, const troupe::sdk::options&)");
  troupe_plugin_table t{};
  t.struct_size = sizeof t;
  t.sdk_version = TROUPE_SDK_VERSION;
  t.name = name;
  t.description = description;
  t.options = n ? schema : nullptr;
  t.n_options = n;
  t.create = &create<Backend>;
  t.start_workers = &start_workers;
  t.scale = &scale;
  t.stop_worker = &stop_worker;
  t.stop_all = &stop_all;
  t.status = &get_status;
  t.destroy = &destroy;
  t.describe_worker = &detail::describe_worker;
  t.query = &detail::query;
  return t;
}

inline const troupe_plugin_table* table_for(std::uint32_t version,
                                            const troupe_plugin_table* table) noexcept {
  return version >= 1 && version <= TROUPE_SDK_VERSION ? table : nullptr;
}

} // namespace detail
} // namespace troupe::sdk

/// Defines the plugin's two exported entry points and its table. The schema
/// is a list of troupe_option_spec (see int_option() etc.); it may be empty.
#define TROUPE_PLUGIN(backend_class, plugin_name, plugin_description, ...)                    \
  extern "C" TROUPE_PLUGIN_EXPORT int troupe_plugin_negotiate(uint32_t host_max_version,      \
                                                              uint32_t* plugin_version) {     \
    return ::troupe::sdk::detail::negotiate(host_max_version, plugin_version);               \
  }                                                                                           \
  extern "C" TROUPE_PLUGIN_EXPORT const troupe_plugin_table* troupe_plugin_get_table(        \
      uint32_t version) {                                                                     \
    static const troupe_option_spec troupe_schema_[] = {__VA_ARGS__ __VA_OPT__(, ){}};         \
    static const troupe_plugin_table troupe_table_ =                                          \
        ::troupe::sdk::detail::make_table<backend_class>(                                     \
            plugin_name, plugin_description, troupe_schema_,                                  \
            sizeof troupe_schema_ / sizeof troupe_schema_[0] - 1);                            \
    return ::troupe::sdk::detail::table_for(version, &troupe_table_);                         \
  }
