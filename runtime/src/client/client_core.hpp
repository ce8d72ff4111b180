// What a client knows: its futures (by key), the workers' addresses, and the
// connection to the scheduler. API threads and the client actor share it.
#pragma once

#include <chrono>
#include <condition_variable>
#include <cstdint>
#include <memory>
#include <mutex>
#include <string>
#include <unordered_map>
#include <vector>

#include <caf/actor.hpp>
#include <caf/fwd.hpp>

#include "common/flat_key_map.hpp"
#include "protocol/messages.hpp"
#include "troupe/cluster_info.hpp"
#include "troupe/detail/future_state.hpp"

namespace troupe::internal {

class actor_host;

class client_core : public std::enable_shared_from_this<client_core> {
public:
  client_core(std::shared_ptr<actor_host> runtime, caf::actor scheduler, std::string address);
  ~client_core();

  /// Spawns the client actor and registers with the scheduler.
  void connect(std::chrono::nanoseconds timeout);
  void close();
  bool closed() const;

  std::vector<detail::state_ptr> submit(detail::task_batch&& batch,
                                        const std::vector<detail::task_key>& outputs,
                                        const std::vector<std::string>& names);
  std::vector<detail::state_ptr> scatter(std::vector<std::string>&& packed);
  void cancel(const std::vector<detail::future_state*>& states);

  const std::string& await(detail::future_state& s, std::chrono::nanoseconds timeout);
  void fetch_all(const std::vector<detail::future_state*>& states,
                 std::chrono::nanoseconds timeout);
  bool wait_all(const std::vector<detail::future_state*>& states,
                std::chrono::nanoseconds timeout);
  std::size_t wait_next(const std::vector<detail::future_state*>& pending,
                        std::chrono::nanoseconds timeout);

  std::vector<std::pair<std::string, std::string>>
  run_on_workers(const std::string& function, std::string args, std::chrono::nanoseconds timeout);
  void wait_for_workers(std::size_t n, std::chrono::nanoseconds timeout);
  cluster_info snapshot(std::chrono::nanoseconds timeout);
  /// One of the scheduler's dashboard views ("/api/v1/report", ...).
  proto::dashboard_reply dashboard_query(const std::string& path, std::uint64_t since,
                                         std::chrono::nanoseconds timeout);
  void sync(std::chrono::nanoseconds timeout);

  /// Called by ~future_state: the client no longer needs `key`.
  void release(detail::task_key key);
  void flush_releases();

  // From the client actor.
  void apply(const proto::key_updates& updates);
  void set_directory(const proto::worker_directory& d);
  void on_disconnect(const std::string& why);

  const std::string& address() const { return address_; }
  std::uint32_t id() const { return id_; }

private:
  detail::state_ptr state_for(detail::task_key key, const std::string& name, bool& created);
  void finish(detail::future_state& s, future_status status);
  caf::actor worker(std::uint32_t id);
  /// Results from the worker holding them: over the data path when it is in
  /// another process, through its actor otherwise.
  proto::fetched fetch_from(std::uint32_t holder, proto::fetch req,
                            std::chrono::nanoseconds timeout);
  /// Asks the scheduler for the current workers (the pushed directory may
  /// not have arrived yet right after connecting).
  void refresh_directory(std::chrono::nanoseconds timeout);
  caf::actor scheduler();
  /// After losing a remote scheduler: connect again (with backoff, for
  /// [client] connect_timeout) or close for good with a clear message.
  void reconnect_if_lost();

  std::shared_ptr<actor_host> runtime_;  // keeps the actor system alive while connected
  std::string address_;
  std::uint32_t id_ = 0;

  mutable std::mutex mutex_;
  std::condition_variable cv_;
  caf::actor scheduler_;
  caf::actor self_;  // the client actor
  std::unordered_map<std::uint32_t, caf::actor> workers_;
  std::unordered_map<std::uint32_t, std::string> worker_names_;
  std::unordered_map<std::uint32_t, std::string> worker_data_;  // data-path addresses
  std::unordered_map<std::string, bool> warned_builds_;
  flat_key_map index_;
  std::vector<std::weak_ptr<detail::future_state>> slots_;
  std::vector<std::uint32_t> free_slots_;
  std::uint64_t finish_seq_ = 0;
  std::uint32_t waiters_ = 0;
  bool closed_ = false;
  bool lost_ = false;  // remote scheduler gone; reconnect on the next call
  std::string close_reason_;

  // Releases are queued under their own lock: a future may die anywhere,
  // even inside a section that holds mutex_.
  std::mutex release_mutex_;
  std::vector<detail::task_key> releases_;
  caf::actor release_target_;  // the client actor, poked when releases appear
};

} // namespace troupe::internal
