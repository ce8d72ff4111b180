// client: submits work to a cluster and gets results back.
#pragma once

#include <chrono>
#include <cstdint>
#include <iosfwd>
#include <map>
#include <memory>
#include <string>
#include <vector>

#include "troupe/cluster_info.hpp"
#include "troupe/delayed.hpp"
#include "troupe/diagnostics.hpp"
#include "troupe/detail/arguments.hpp"
#include "troupe/future.hpp"

namespace troupe {

class local_cluster;
class cluster;

namespace detail {
/// Sends the tasks and returns one state per key in `outputs`.
std::vector<state_ptr> submit_batch(internal::client_core& core, task_batch&& batch,
                                    const std::vector<task_key>& outputs,
                                    const std::vector<std::string>& output_names);
/// Submits every not-yet-submitted node below `roots`; one state per root.
std::vector<state_ptr> compute_nodes(internal::client_core& core,
                                     const std::vector<node_ptr>& roots);
/// Runs `function` on every worker; (worker name, result bytes) pairs.
std::vector<std::pair<std::string, std::string>>
run_on_workers(internal::client_core& core, const std::string& function, std::string args,
               std::chrono::nanoseconds timeout);
/// The most recently connected client's core; throws connection_error
/// when there is none.
std::shared_ptr<internal::client_core> default_client_core();
/// Stores packed values on workers; one finished state per value.
std::vector<state_ptr> scatter_values(internal::client_core& core,
                                      std::vector<std::string>&& packed);
/// Draws how many of `states` are done until all are or `timeout` passes.
bool progress_states(const std::vector<future_state*>& states, const progress_options& options,
                     std::chrono::nanoseconds timeout);
} // namespace detail

/// Connects to a cluster. Futures it returns stay valid after it closes, but
/// waiting on an unfinished one then throws connection_error.
class client {
public:
  /// Connects to an in-process cluster.
  explicit client(local_cluster& cluster);
  /// Connects to a cluster started by a plugin.
  explicit client(cluster& cluster);
  /// Connects to a scheduler at "tcp://host:port", retrying until `timeout`
  /// (default: [client] connect_timeout, 30 s) as Dask's Client(address).
  explicit client(const std::string& address,
                  std::chrono::nanoseconds timeout = std::chrono::nanoseconds::zero());
  ~client();
  client(client&&) noexcept;
  client& operator=(client&&) noexcept;
  client(const client&) = delete;
  client& operator=(const client&) = delete;

  /// Runs f(args...) on the cluster. Futures among the arguments are edges.
  template <class R, class... Ps, class... Args>
  future<R> submit(R (*f)(Ps...), const Args&... args) {
    return submit(task_options{}, f, args...);
  }

  template <class R, class... Ps, class... Args>
  future<R> submit(task_options options, R (*f)(Ps...), const Args&... args) {
    const auto& entry = detail::task_of(f);
    detail::task_batch batch;
    detail::dependency_sink sink{&batch.deps, nullptr, nullptr};
    detail::pack_call<R (*)(Ps...)>(batch.args, sink, args...);
    auto key = batch.finish_task(entry.name, options.pure, options.retries);
    return future<R>{detail::submit_batch(core(), std::move(batch), {key}, {entry.name})[0]};
  }

  /// Runs a task by its registered name; the function may live only on the
  /// workers. R is the result type the caller expects.
  template <class R, class... Args>
  future<R> submit_named(const std::string& function, const Args&... args) {
    detail::task_batch batch;
    pack_arguments(batch.args, args...);
    auto key = batch.finish_task(function, true, 0);
    return future<R>{detail::submit_batch(core(), std::move(batch), {key}, {function})[0]};
  }

  /// f(x) for every x in `inputs`. Sent in batches of up to 65,536 tasks, so
  /// the cluster starts on the first batch while later ones are packed.
  template <class R, class P, class Range>
  std::vector<future<R>> map(R (*f)(P), const Range& inputs, task_options options = {}) {
    constexpr std::size_t chunk = 65536;
    const auto& entry = detail::task_of(f);
    std::vector<std::string> names{entry.name};
    std::vector<future<R>> out;
    out.reserve(std::size(inputs));
    detail::task_batch batch;
    detail::dependency_sink sink{&batch.deps, nullptr, nullptr};
    auto send = [&] {
      std::vector<detail::task_key> keys = batch.keys;
      for (auto& s : detail::submit_batch(core(), std::move(batch), keys, names))
        out.emplace_back(std::move(s));
      batch = detail::task_batch{};
      sink = detail::dependency_sink{&batch.deps, nullptr, nullptr};
    };
    for (const auto& x : inputs) {
      if (batch.empty()) {
        batch.reserve(chunk);
        batch.args.reserve(chunk * 4);
      }
      detail::pack_call<R (*)(P)>(batch.args, sink, x);
      batch.finish_task(entry.name, options.pure, options.retries);
      if (batch.size() == chunk)
        send();
    }
    if (!batch.empty())
      send();
    return out;
  }

  /// The results of many futures, in order; fetched with one message per
  /// worker. Throws the first task_error met.
  template <class R>
  std::vector<R> gather(const std::vector<future<R>>& fs) {
    return gather(fs, detail::default_timeout());
  }

  template <class R>
  std::vector<R> gather(const std::vector<future<R>>& fs, std::chrono::nanoseconds timeout) {
    auto states = states_of(fs);
    detail::fetch_all(states, timeout);
    std::vector<R> out;
    out.reserve(fs.size());
    for (auto* s : states)
      out.push_back(unpack<R>(detail::await_result(*s, timeout)));
    return out;
  }

  /// Starts computing a delayed value; returns its future.
  template <class R>
  future<R> compute(const delayed<R>& d) {
    return future<R>{detail::compute_nodes(core(), {d.node()})[0]};
  }

  /// Starts computing many delayed values at once (shared parts run once).
  template <class R>
  std::vector<future<R>> compute(const std::vector<delayed<R>>& ds) {
    std::vector<detail::node_ptr> roots;
    roots.reserve(ds.size());
    for (auto& d : ds)
      roots.push_back(d.node());
    std::vector<future<R>> out;
    for (auto& s : detail::compute_nodes(core(), roots))
      out.emplace_back(std::move(s));
    return out;
  }

  /// Computes `d` and keeps its result on the cluster; the returned delayed
  /// value refers to that result, so later graphs start from it.
  template <class R>
  delayed<R> persist(const delayed<R>& d) {
    auto state = detail::compute_nodes(core(), {d.node()})[0];
    auto node = std::make_shared<detail::delayed_node>();
    node->key = d.node()->key;
    node->function = d.node()->function;
    node->persisted = std::move(state);
    return delayed<R>{std::move(node)};
  }

  /// Places a value on a worker and returns a finished future for it.
  /// Throws config_error when its bytes exceed `[network] max_message_size`.
  template <class T>
  future<T> scatter(const T& value) {
    std::vector<std::string> packed;
    packed.push_back(pack(value));
    return future<T>{detail::scatter_values(core(), std::move(packed))[0]};
  }

  /// Runs f(args...) once on every worker; worker name -> result.
  template <class R, class... Ps, class... Args>
  std::map<std::string, R> run(R (*f)(Ps...), const Args&... args) {
    const auto& entry = detail::task_of(f);
    std::string packed;
    detail::dependency_sink sink;
    detail::pack_call<R (*)(Ps...)>(packed, sink, args...);
    std::map<std::string, R> out;
    for (auto& [worker, bytes] :
         detail::run_on_workers(core(), entry.name, std::move(packed), detail::default_timeout()))
      out.emplace(worker, unpack<R>(bytes));
    return out;
  }

  /// Cancels the tasks behind these futures (and what depends on them).
  template <class R>
  void cancel(const std::vector<future<R>>& fs) {
    detail::cancel_states(states_of(fs));
  }

  /// Waits until the cluster has at least n workers; throws timeout_error.
  void wait_for_workers(std::size_t n, std::chrono::nanoseconds timeout = std::chrono::seconds(60));

  /// What the scheduler knows: workers, threads, memory, tasks by state.
  cluster_info scheduler_info(std::chrono::nanoseconds timeout = std::chrono::seconds(10)) const;

  /// The scheduler's dashboard, "http://127.0.0.1:8787/status" by default
  /// (as Dask's Client.dashboard_link); empty when it serves none.
  std::string dashboard_link(std::chrono::nanoseconds timeout = std::chrono::seconds(10)) const;

  /// Draws a bar of how many of `fs` are done, on stderr when it is a
  /// terminal (as distributed's progress), until all are done or `timeout`
  /// passes; says whether all are done.
  template <class R>
  bool progress(const std::vector<future<R>>& fs, progress_options options = {},
                std::chrono::nanoseconds timeout = detail::default_timeout()) {
    return detail::progress_states(states_of(fs), options, timeout);
  }

  /// Records the task stream from now on; the report is written to
  /// `filename` when the returned object is destroyed (or on its write()).
  [[nodiscard]] troupe::performance_report performance_report(std::string filename);

  /// Sends pending releases and waits until the scheduler has handled
  /// everything this client sent before.
  void sync(std::chrono::nanoseconds timeout = std::chrono::seconds(10)) const;

  /// Closes the connection; unfinished futures then fail with connection_error.
  void close();

  internal::client_core& core() const;

private:
  /// Packs [args...] without a signature to check against (submit_named).
  template <class... Args>
  static void pack_arguments(std::string& out, const Args&... args) {
    detail::byte_writer w{&out};
    msgpack::packer<detail::byte_writer> p{w};
    p.pack_array(sizeof...(Args));
    (p.pack(args), ...);
  }

  std::shared_ptr<internal::client_core> core_;
};

std::ostream& operator<<(std::ostream& out, const client& c);

} // namespace troupe
