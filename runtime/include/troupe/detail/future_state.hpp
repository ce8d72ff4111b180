// The shared state behind every copy of one future. Not API.
#pragma once

#include <atomic>
#include <chrono>
#include <cstdint>
#include <memory>
#include <string>
#include <vector>

#include "troupe/detail/task_batch.hpp"

namespace troupe::internal {
class client_core;
}

namespace troupe {

/// Where a future stands.
enum class future_status : std::uint8_t { pending, finished, error, cancelled };

namespace detail {

struct error_info {
  std::string task_name;
  std::string key;
  std::string exception_type;
  std::string message;
};

/// One per (client, key). Its destruction tells the scheduler that this
/// client no longer needs the result, so the cluster can free it.
struct future_state {
  future_state(task_key k, std::string name, std::shared_ptr<internal::client_core> c)
    : key(k), task_name(std::move(name)), core(std::move(c)) {}
  ~future_state();
  future_state(const future_state&) = delete;
  future_state& operator=(const future_state&) = delete;

  const task_key key;
  const std::string task_name;
  const std::shared_ptr<internal::client_core> core;

  // Written by the client under its lock; status last, with release order.
  std::atomic<future_status> status{future_status::pending};
  std::uint32_t holder = UINT32_MAX;  // worker that holds the result
  bool has_data = false;
  std::string data;  // msgpack bytes once fetched (or sent inline)
  std::shared_ptr<const error_info> error;
  std::uint64_t finish_seq = 0;  // order in which results arrived
};

using state_ptr = std::shared_ptr<future_state>;

/// Waits for the result's bytes; throws task_error, cancelled_error,
/// timeout_error or connection_error.
const std::string& await_result(future_state& state, std::chrono::nanoseconds timeout);
/// Fetches the bytes of many finished futures at once (one message per worker).
void fetch_all(const std::vector<future_state*>& states, std::chrono::nanoseconds timeout);
/// Waits until every state is no longer pending; false on timeout.
bool wait_all(const std::vector<future_state*>& states, std::chrono::nanoseconds timeout);
/// Waits until one of `pending` is done; returns the index of the one that
/// finished first, or SIZE_MAX on timeout.
std::size_t wait_next(const std::vector<future_state*>& pending,
                      std::chrono::nanoseconds timeout);
/// Asks the scheduler to cancel these tasks.
void cancel_states(const std::vector<future_state*>& states);
/// The client's default timeout: current_config().client.timeout.
std::chrono::nanoseconds default_timeout();

} // namespace detail
} // namespace troupe
