// plugin_backend: one backend instance behind the C table, and the host
// callbacks the plugin calls (logging, worker events, in-process workers).
#include <cstdio>
#include <cstring>
#include <exception>

#include <spdlog/spdlog.h>

#include "cluster/plugin_host.hpp"
#include "common/logging.hpp"

namespace troupe::internal {

namespace {

plugin_worker_info from_c(const troupe_worker_info& c) {
  plugin_worker_info w;
  if (TROUPE_HAS_FIELD(&c, troupe_worker_info, id))
    w.id = std::string{c.id, strnlen(c.id, sizeof c.id)};
  if (TROUPE_HAS_FIELD(&c, troupe_worker_info, state) && c.state >= TROUPE_WORKER_STARTING
      && c.state <= TROUPE_WORKER_FAILED)
    w.state = static_cast<plugin_worker_state>(c.state);
  if (TROUPE_HAS_FIELD(&c, troupe_worker_info, pid))
    w.pid = c.pid;
  if (TROUPE_HAS_FIELD(&c, troupe_worker_info, exit_code))
    w.exit_code = c.exit_code;
  return w;
}

} // namespace

struct plugin_backend::host_state {
  std::string plugin;
  plugin_host_callbacks callbacks;
  std::mutex mutex;  // guards callbacks.on_worker_event
  troupe_host_api api{};

  static host_state& of(void* ctx) { return *static_cast<host_state*>(ctx); }

  static void log(void* ctx, int level, const char* msg) noexcept {
    try {
      auto l = level < TROUPE_LOG_TRACE ? TROUPE_LOG_TRACE
               : level > TROUPE_LOG_CRITICAL ? TROUPE_LOG_CRITICAL
                                             : level;
      spdlog::log(static_cast<spdlog::level::level_enum>(l), "[plugin {}] {}", of(ctx).plugin,
                  msg ? msg : "");
    } catch (...) {
    }
  }

  static void on_event(void* ctx, const char* id, int event, int exit_code,
                       const char* detail) noexcept {
    try {
      auto& self = of(ctx);
      worker_event e;
      e.worker_id = id ? id : "";
      e.what = event == TROUPE_EVENT_STARTED  ? worker_event::kind::started
               : event == TROUPE_EVENT_EXITED ? worker_event::kind::exited
                                              : worker_event::kind::failed;
      e.exit_code = exit_code;
      e.detail = detail ? detail : "";
      spdlog::debug("[plugin {}] worker {} {} ({}) {}", self.plugin, e.worker_id, event,
                    exit_code, e.detail);
      std::function<void(const worker_event&)> handler;
      {
        std::lock_guard guard{self.mutex};
        handler = self.callbacks.on_worker_event;
      }
      if (handler)
        handler(e);
    } catch (const std::exception& ex) {
      spdlog::error("troupe: worker event handler threw: {}", ex.what());
    } catch (...) {
      spdlog::error("troupe: worker event handler threw");
    }
  }

  // Runs a host callback for the plugin: no exception crosses the ABI.
  template <class F>
  static int guarded(troupe_error* err, F&& f) noexcept {
    try {
      f();
      return 0;
    } catch (const std::exception& e) {
      sdk::detail::set_error(err, TROUPE_ERR_FAILED, e.what());
    } catch (...) {
      sdk::detail::set_error(err, TROUPE_ERR_FAILED, "unknown exception");
    }
    return TROUPE_ERR_FAILED;
  }

  static int start_inprocess(void* ctx, const troupe_launch_spec* spec, const char* name,
                             troupe_error* err) noexcept {
    return guarded(err, [&] {
      of(ctx).callbacks.start_inprocess_worker(plugin_launch_spec::from_c(spec), name ? name : "");
    });
  }

  static int stop_inprocess(void* ctx, const char* name, troupe_error* err) noexcept {
    return guarded(err, [&] { of(ctx).callbacks.stop_inprocess_worker(name ? name : ""); });
  }
};

plugin_backend::plugin_backend(const std::string& name,
                               const std::vector<std::filesystem::path>& search_paths,
                               const cluster_options& options, plugin_host_callbacks callbacks)
  : plugin_backend(plugin_library::load(find_plugin(name, search_paths)), options,
                   std::move(callbacks)) {}

plugin_backend::plugin_backend(std::shared_ptr<plugin_library> library,
                               const cluster_options& options, plugin_host_callbacks callbacks)
  : library_(std::move(library)), host_(std::make_unique<host_state>()) {
  init_logging();
  plugin_option_values values{*library_, options};
  auto& h = *host_;
  h.plugin = library_->name();
  bool inprocess = callbacks.start_inprocess_worker && callbacks.stop_inprocess_worker;
  h.callbacks = std::move(callbacks);
  h.api.struct_size = sizeof h.api;
  h.api.host_ctx = &h;
  h.api.log = &host_state::log;
  h.api.worker_event = &host_state::on_event;
  h.api.start_inprocess_worker = inprocess ? &host_state::start_inprocess : nullptr;
  h.api.stop_inprocess_worker = inprocess ? &host_state::stop_inprocess : nullptr;

  troupe_error err{};
  troupe_backend* b = nullptr;
  int rc = library_->table().create(&h.api, values.data(), values.size(), &b, &err);
  if (rc != 0) {
    if (b)  // a plugin that failed should not have made one; do not leak it if it did
      library_->table().destroy(b);
    throw config_error("troupe: cluster plugin '" + h.plugin + "': create failed: "
                       + err.message);
  }
  if (!b)
    throw config_error("troupe: cluster plugin '" + h.plugin + "': create returned no backend");
  backend_ = b;
}

plugin_backend::~plugin_backend() {
  // The backend (and its threads, which call host_) goes before host_ and
  // before the last reference to the library.
  if (backend_)
    library_->table().destroy(backend_);
}

void plugin_backend::check(int rc, const troupe_error& err, const char* what) const {
  if (rc != 0)
    throw plugin_call_error(err.code ? err.code : rc, "troupe: cluster plugin '" + name()
                                                          + "': " + what + " failed: "
                                                          + err.message);
}

void plugin_backend::start_workers(const plugin_launch_spec& spec, std::uint32_t n) {
  std::lock_guard guard{call_mutex_};
  sdk::launch_spec_view c{spec};
  troupe_error err{};
  check(library_->table().start_workers(backend_, c.get(), n, &err), err, "start_workers");
}

void plugin_backend::scale(const plugin_launch_spec& spec, std::uint32_t n) {
  std::lock_guard guard{call_mutex_};
  sdk::launch_spec_view c{spec};
  troupe_error err{};
  check(library_->table().scale(backend_, c.get(), n, &err), err, "scale");
}

void plugin_backend::stop_worker(const std::string& worker_id) {
  std::lock_guard guard{call_mutex_};
  troupe_error err{};
  check(library_->table().stop_worker(backend_, worker_id.c_str(), &err), err, "stop_worker");
}

void plugin_backend::stop_all() {
  std::lock_guard guard{call_mutex_};
  troupe_error err{};
  check(library_->table().stop_all(backend_, &err), err, "stop_all");
}

plugin_status plugin_backend::status() {
  std::lock_guard guard{call_mutex_};
  plugin_status s;
  troupe_status out{};
  out.struct_size = sizeof out;
  out.worker = [](void* ctx, const troupe_worker_info* info) {
    if (info)
      static_cast<plugin_status*>(ctx)->workers.push_back(from_c(*info));
  };
  out.worker_ctx = &s;
  troupe_error err{};
  check(library_->table().status(backend_, &out, &err), err, "status");
  s.requested = out.requested;
  s.running = out.running;
  s.exited = out.exited;
  return s;
}

bool plugin_backend::supports_describe_worker() const {
  return library_->table().describe_worker != nullptr;
}

std::optional<plugin_worker_info> plugin_backend::describe_worker(const std::string& worker_id) {
  if (!supports_describe_worker())
    throw plugin_call_error(TROUPE_ERR_NOT_SUPPORTED, "troupe: cluster plugin '" + name()
                                                          + "' does not support describe_worker");
  std::lock_guard guard{call_mutex_};
  troupe_worker_info info{};
  info.struct_size = sizeof info;
  troupe_error err{};
  int rc = library_->table().describe_worker(backend_, worker_id.c_str(), &info, &err);
  if (rc != 0 && err.code == TROUPE_ERR_UNKNOWN_WORKER)
    return std::nullopt;
  check(rc, err, "describe_worker");
  return from_c(info);
}

std::optional<std::string> plugin_backend::query(const std::string& what,
                                                 const plugin_launch_spec* spec) {
  if (!library_->table().query)
    return std::nullopt;
  std::lock_guard guard{call_mutex_};
  std::optional<sdk::launch_spec_view> c;
  if (spec)
    c.emplace(*spec);
  std::string answer;
  troupe_error err{};
  int rc = library_->table().query(
    backend_, what.c_str(), c ? c->get() : nullptr,
    [](void* ctx, const char* text, std::size_t size) {
      if (text)
        static_cast<std::string*>(ctx)->assign(text, size);
    },
    &answer, &err);
  if (rc != 0 && err.code == TROUPE_ERR_NOT_SUPPORTED)
    return std::nullopt;
  check(rc, err, what.c_str());
  return answer;
}

void plugin_backend::on_worker_event(std::function<void(const worker_event&)> handler) {
  std::lock_guard guard{host_->mutex};
  host_->callbacks.on_worker_event = std::move(handler);
}

} // namespace troupe::internal
