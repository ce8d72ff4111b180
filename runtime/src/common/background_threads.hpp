// A few threads for blocking work an actor must not do itself (data-path
// transfers). Jobs still queued when it is destroyed are dropped; running
// ones finish first.
#pragma once

#include <condition_variable>
#include <deque>
#include <functional>
#include <mutex>
#include <thread>
#include <vector>

namespace troupe::internal {

class background_threads {
public:
  explicit background_threads(std::size_t n) {
    for (std::size_t i = 0; i < n; ++i)
      threads_.emplace_back([this] { loop(); });
  }
  ~background_threads() {
    {
      std::lock_guard lock{mutex_};
      stop_ = true;
      jobs_.clear();
    }
    cv_.notify_all();
    for (auto& t : threads_)
      t.join();
  }
  background_threads(const background_threads&) = delete;
  background_threads& operator=(const background_threads&) = delete;

  void post(std::function<void()> job) {
    {
      std::lock_guard lock{mutex_};
      jobs_.push_back(std::move(job));
    }
    cv_.notify_one();
  }

private:
  void loop() {
    for (;;) {
      std::function<void()> job;
      {
        std::unique_lock lock{mutex_};
        cv_.wait(lock, [&] { return stop_ || !jobs_.empty(); });
        if (stop_)
          return;
        job = std::move(jobs_.front());
        jobs_.pop_front();
      }
      job();
    }
  }

  std::mutex mutex_;
  std::condition_variable cv_;
  std::deque<std::function<void()>> jobs_;
  bool stop_ = false;
  std::vector<std::thread> threads_;
};

} // namespace troupe::internal
