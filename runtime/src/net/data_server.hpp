// Serves a worker's results to peers and clients over the data path
// (net/data_wire.hpp): one thread accepts, one thread per connection answers
// fetch requests straight from the worker_store, without copying results.
// A peer that sends a bad frame, or starts a frame and does not finish it
// within the frame timeout, is dropped with a log line; others are unaffected.
#pragma once

#include <atomic>
#include <chrono>
#include <condition_variable>
#include <cstdint>
#include <mutex>
#include <string>
#include <thread>
#include <vector>

#include "net/socket.hpp"

namespace troupe::internal {

class worker_store;

class data_server {
public:
  /// Listens on host, any free port. The store must outlive the server.
  /// A frame once begun must arrive within `frame_timeout`.
  data_server(const worker_store& store, const std::string& host, std::string owner,
              std::chrono::milliseconds frame_timeout = std::chrono::seconds(30));
  ~data_server();
  data_server(const data_server&) = delete;
  data_server& operator=(const data_server&) = delete;

  /// "host:port" to give peers.
  const std::string& address() const { return address_; }
  /// Bytes of results sent so far.
  std::uint64_t bytes_sent() const { return bytes_sent_.load(std::memory_order_relaxed); }
  /// Stops accepting and closes every connection; idempotent.
  void stop();

  /// At most this many connections at once; more are refused (and logged).
  static constexpr std::size_t max_connections = 512;

private:
  void accept_loop();
  void serve(int fd, const std::string& peer);
  bool answer(int fd, std::uint32_t nkeys);

  const worker_store& store_;
  std::string owner_;  // for log lines
  std::chrono::milliseconds frame_timeout_;
  std::string address_;
  net::fd_handle listener_;
  int wake_[2] = {-1, -1};
  std::atomic<bool> stopping_{false};
  std::atomic<std::uint64_t> bytes_sent_{0};
  std::mutex mutex_;
  std::condition_variable all_closed_;
  std::vector<int> open_;  // connection fds (one detached thread each), shut down on stop
  std::thread acceptor_;
};

} // namespace troupe::internal
