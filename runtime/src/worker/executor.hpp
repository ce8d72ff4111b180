// The threads of a worker that run tasks (threads_per_worker of them). The
// worker actor hands over whole batches; each thread takes a slice at a time
// and reports the slice's results in one message.
#pragma once

#include <atomic>
#include <condition_variable>
#include <cstdint>
#include <deque>
#include <functional>
#include <memory>
#include <mutex>
#include <string>
#include <thread>
#include <vector>

#include "protocol/messages.hpp"
#include "troupe/task.hpp"
#include "worker/worker_store.hpp"

namespace troupe::internal {

/// A batch of tasks with its functions looked up once.
struct run_job {
  proto::run_batch batch;
  std::vector<const detail::task_entry*> entries;  // per batch function; null: unknown
};

class executor {
public:
  using report_fn = std::function<void(proto::done_batch&&)>;

  executor(std::uint32_t worker_id, std::string worker_name, std::uint32_t nthreads,
           worker_store& store, report_fn report);
  ~executor();
  executor(const executor&) = delete;
  executor& operator=(const executor&) = delete;

  void push(std::shared_ptr<const run_job> job);

  /// Runs one task; `out` gets the result or the error payload. Exposed for tests.
  static proto::outcome run_task(const run_job& job, std::size_t i, const worker_store& store,
                                 const std::string& worker_name, msgpack::zone& zone,
                                 std::string& out);

private:
  struct slice {
    std::shared_ptr<const run_job> job;
    std::uint32_t begin, end;
  };

  void loop(std::uint32_t thread);

  std::uint32_t worker_id_;
  std::string worker_name_;
  worker_store& store_;
  report_fn report_;
  std::mutex mutex_;
  std::condition_variable cv_;
  std::deque<slice> queue_;
  std::uint64_t pending_ = 0;
  std::atomic<std::uint64_t> queued_{0};  // pending_, readable without the lock
  static constexpr int spin_rounds = 200;
  bool stopping_ = false;
  std::vector<std::thread> threads_;
};

} // namespace troupe::internal
