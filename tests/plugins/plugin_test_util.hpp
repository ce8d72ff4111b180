// Helpers for the plugin tests: paths of the test plugins, an error
// catcher, and an event log to wait on (no sleeps).
#pragma once

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <chrono>
#include <condition_variable>
#include <functional>
#include <mutex>
#include <string>
#include <vector>

#include "cluster/plugin_host.hpp"

namespace plugin_test {

inline std::string test_plugin(const std::string& name) {
  return std::string{TROUPE_TEST_PLUGIN_DIR} + "/libtroupe-" + name + ".so";
}

/// The message of the exception f throws as E, or "no error".
template <class E = troupe::config_error, class F>
std::string error_of(F&& f) {
  try {
    f();
  } catch (const E& e) {
    return e.what();
  }
  return "no error";
}

/// Worker events as the plugin reports them, from any thread.
class event_log {
public:
  std::function<void(const troupe::internal::worker_event&)> handler() {
    return [this](const troupe::internal::worker_event& e) {
      std::lock_guard lock{mutex_};
      events_.push_back(e);
      changed_.notify_all();
    };
  }

  /// Waits until pred(events) holds; false after `timeout`.
  bool wait(const std::function<bool(const std::vector<troupe::internal::worker_event>&)>& pred,
            std::chrono::seconds timeout = std::chrono::seconds(20)) {
    std::unique_lock lock{mutex_};
    return changed_.wait_for(lock, timeout, [&] { return pred(events_); });
  }

  /// Waits for an event of `kind` for `worker`; returns it (or a default one
  /// with an empty id on timeout).
  troupe::internal::worker_event wait_for(const std::string& worker,
                                          troupe::internal::worker_event::kind kind) {
    troupe::internal::worker_event found;
    wait([&](auto& events) {
      for (auto& e : events)
        if (e.worker_id == worker && e.what == kind) {
          found = e;
          return true;
        }
      return false;
    });
    return found;
  }

  std::size_t count(troupe::internal::worker_event::kind kind) {
    std::lock_guard lock{mutex_};
    std::size_t n = 0;
    for (auto& e : events_)
      n += e.what == kind;
    return n;
  }

  std::vector<troupe::internal::worker_event> events() {
    std::lock_guard lock{mutex_};
    return events_;
  }

private:
  std::mutex mutex_;
  std::condition_variable changed_;
  std::vector<troupe::internal::worker_event> events_;
};

} // namespace plugin_test
