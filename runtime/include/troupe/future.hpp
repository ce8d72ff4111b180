// future<R>: a handle on a task that runs (or ran) on the cluster.
#pragma once

#include <chrono>
#include <cstddef>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "troupe/detail/future_state.hpp"
#include "troupe/errors.hpp"
#include "troupe/serialization.hpp"

namespace troupe {

/// A result that lives on a worker. Copies share one state; when the last
/// copy goes, the cluster may free the result. Passing a future to another
/// task makes a graph edge: the data moves between workers, never through
/// the client.
template <class R>
class future {
public:
  using value_type = R;

  future() = default;
  explicit future(detail::state_ptr state) : state_(std::move(state)) {}

  /// Waits (at most the client's default timeout) and returns the result;
  /// throws task_error when the task failed.
  R get() const { return get(detail::default_timeout()); }

  template <class Rep, class Period>
  R get(std::chrono::duration<Rep, Period> timeout) const {
    const std::string& bytes = detail::await_result(
      checked(), std::chrono::duration_cast<std::chrono::nanoseconds>(timeout));
    if constexpr (!std::is_void_v<R>)
      return unpack<R>(bytes);
  }

  /// True once the task finished, failed or was cancelled.
  bool done() const { return status() != future_status::pending; }
  future_status status() const { return checked().status.load(std::memory_order_acquire); }
  /// The task's key as users see it, e.g. "square-9f2c01d4a7e3b215".
  std::string key() const { return detail::format_key(checked().task_name, checked().key); }
  /// Stops the task if it has not run; the future then throws cancelled_error.
  void cancel() const { detail::cancel_states({&checked()}); }

  bool valid() const noexcept { return state_ != nullptr; }
  const detail::state_ptr& state() const noexcept { return state_; }

private:
  detail::future_state& checked() const {
    if (!state_)
      throw error("troupe: use of an empty future");
    return *state_;
  }
  detail::state_ptr state_;
};

template <class R>
struct wait_result {
  std::vector<future<R>> done;
  std::vector<future<R>> not_done;
};

template <class R>
std::vector<detail::future_state*> states_of(const std::vector<future<R>>& fs) {
  std::vector<detail::future_state*> out;
  out.reserve(fs.size());
  for (auto& f : fs)
    out.push_back(f.state().get());
  return out;
}

/// Waits until all futures are done or the timeout passes; says which are done.
template <class R, class Rep = long, class Period = std::ratio<1>>
wait_result<R> wait(const std::vector<future<R>>& fs,
                    std::chrono::duration<Rep, Period> timeout = std::chrono::hours(1)) {
  detail::wait_all(states_of(fs), std::chrono::duration_cast<std::chrono::nanoseconds>(timeout));
  wait_result<R> r;
  for (auto& f : fs)
    (f.done() ? r.done : r.not_done).push_back(f);
  return r;
}

/// Yields futures in the order they finish: `for (auto& f : as_completed(fs))`.
template <class R>
class as_completed {
public:
  explicit as_completed(std::vector<future<R>> fs,
                        std::chrono::nanoseconds timeout = detail::default_timeout())
    : pending_(std::move(fs)), timeout_(timeout) {}

  /// The next finished future; nullopt when all were yielded. Throws
  /// timeout_error when none finishes in time.
  std::optional<future<R>> next() {
    if (pending_.empty())
      return std::nullopt;
    std::size_t i = detail::wait_next(states_of(pending_), timeout_);
    if (i == SIZE_MAX)
      throw timeout_error("troupe: as_completed: no future finished within the timeout");
    future<R> f = std::move(pending_[i]);
    pending_.erase(pending_.begin() + static_cast<std::ptrdiff_t>(i));
    return f;
  }

  /// Adds a future to the set being waited on.
  void add(future<R> f) { pending_.push_back(std::move(f)); }

  class iterator {
  public:
    iterator() = default;
    explicit iterator(as_completed* owner) : owner_(owner) { ++*this; }
    const future<R>& operator*() const { return *current_; }
    const future<R>* operator->() const { return &*current_; }
    iterator& operator++() {
      current_ = owner_->next();
      if (!current_)
        owner_ = nullptr;
      return *this;
    }
    bool operator!=(const iterator& other) const { return owner_ != other.owner_; }
    bool operator==(const iterator& other) const { return owner_ == other.owner_; }

  private:
    as_completed* owner_ = nullptr;
    std::optional<future<R>> current_;
  };

  iterator begin() { return iterator{this}; }
  iterator end() { return iterator{}; }

private:
  std::vector<future<R>> pending_;
  std::chrono::nanoseconds timeout_;
};

} // namespace troupe
