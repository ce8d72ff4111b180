// Fetches results from a worker's data server (net/data_wire.hpp), reusing
// idle connections per address. Thread-safe.
#pragma once

#include <chrono>
#include <cstdint>
#include <mutex>
#include <string>
#include <unordered_map>
#include <vector>

#include "net/socket.hpp"
#include "protocol/messages.hpp"

namespace troupe::internal {

class data_client {
public:
  /// Asks `address` ("host:port") for `keys`. Throws connection_error when the
  /// peer cannot be reached or hangs up, timeout_error after `timeout`.
  proto::fetched fetch(const std::string& address, const std::vector<std::uint64_t>& keys,
                       std::chrono::nanoseconds timeout);

  /// A shared instance for the process.
  static data_client& shared();

private:
  net::fd_handle checkout(const std::string& address, net::clock::time_point deadline);
  void checkin(const std::string& address, net::fd_handle fd);

  std::mutex mutex_;
  std::unordered_map<std::string, std::vector<net::fd_handle>> idle_;
};

} // namespace troupe::internal
