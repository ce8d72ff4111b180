// Small blocking TCP helpers over POSIX sockets, every wait bounded by a
// deadline (poll), for the data path.
#pragma once

#include <chrono>
#include <cstddef>
#include <cstdint>
#include <string>
#include <utility>

namespace troupe::internal::net {

using clock = std::chrono::steady_clock;

/// Owns a file descriptor.
class fd_handle {
public:
  fd_handle() = default;
  explicit fd_handle(int fd) : fd_(fd) {}
  fd_handle(fd_handle&& o) noexcept : fd_(std::exchange(o.fd_, -1)) {}
  fd_handle& operator=(fd_handle&& o) noexcept;
  fd_handle(const fd_handle&) = delete;
  fd_handle& operator=(const fd_handle&) = delete;
  ~fd_handle();
  int get() const { return fd_; }
  explicit operator bool() const { return fd_ >= 0; }
  void reset();

private:
  int fd_ = -1;
};

/// "host:port" or "tcp://host:port" -> (host, port). Throws config_error.
std::pair<std::string, std::uint16_t> split_address(const std::string& address);

/// Listens on host:port (0: any free port); returns the socket and the port.
std::pair<fd_handle, std::uint16_t> listen_on(const std::string& host, std::uint16_t port);

/// Connects within the deadline; throws connection_error / timeout_error.
fd_handle connect_to(const std::string& host, std::uint16_t port, clock::time_point deadline);

/// Reads or writes exactly n bytes before the deadline. False when the peer
/// closed the connection (read) or on error; throws timeout_error on timeout.
/// `got`, when given, receives the bytes read (also when returning early).
bool read_exact(int fd, void* data, std::size_t n, clock::time_point deadline,
                std::size_t* got = nullptr);
bool write_all(int fd, const void* data, std::size_t n, clock::time_point deadline);

/// TCP_NODELAY (buffers are left to the kernel's autotuning).
void tune_socket(int fd);

/// "host:port" of a connected socket's peer ("?" when unknown), for log lines.
std::string peer_name(int fd);

/// Waits until fd is readable; false on timeout.
bool wait_readable(int fd, clock::time_point deadline);

} // namespace troupe::internal::net
