#include "net/socket.hpp"

#include <cerrno>
#include <cstring>

#include <arpa/inet.h>
#include <fcntl.h>
#include <netdb.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <poll.h>
#include <sys/socket.h>
#include <unistd.h>

#include "troupe/errors.hpp"

namespace troupe::internal::net {

namespace {

int ms_left(clock::time_point deadline) {
  auto left = std::chrono::duration_cast<std::chrono::milliseconds>(deadline - clock::now());
  if (left.count() <= 0)
    return 0;
  return left.count() > 1'000'000 ? 1'000'000 : static_cast<int>(left.count()) + 1;
}

bool wait_for(int fd, short events, clock::time_point deadline) {
  for (;;) {
    pollfd p{fd, events, 0};
    int r = ::poll(&p, 1, ms_left(deadline));
    if (r > 0)
      return true;
    if (r == 0) {
      if (clock::now() >= deadline)
        return false;
      continue;
    }
    if (errno != EINTR)
      return true;  // let the read/write report the error
  }
}

} // namespace

void tune_socket(int fd) {
  int one = 1;
  ::setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof one);
  // No SO_SNDBUF/SO_RCVBUF: setting them turns off the kernel's buffer
  // autotuning (which grows to tcp_rmem's maximum) and is clamped to
  // rmem_max (~200 KB), which made large transfers slower.
}

namespace {

sockaddr_in resolve(const std::string& host, std::uint16_t port) {
  sockaddr_in addr{};
  addr.sin_family = AF_INET;
  addr.sin_port = htons(port);
  std::string h = host.empty() || host == "localhost" ? "127.0.0.1" : host;
  if (::inet_pton(AF_INET, h.c_str(), &addr.sin_addr) == 1)
    return addr;
  addrinfo hints{};
  hints.ai_family = AF_INET;
  addrinfo* res = nullptr;
  if (::getaddrinfo(h.c_str(), nullptr, &hints, &res) != 0 || !res)
    throw connection_error("troupe: cannot resolve host '" + host + "'");
  addr.sin_addr = reinterpret_cast<sockaddr_in*>(res->ai_addr)->sin_addr;
  ::freeaddrinfo(res);
  return addr;
}

} // namespace

fd_handle& fd_handle::operator=(fd_handle&& o) noexcept {
  if (this != &o) {
    reset();
    fd_ = std::exchange(o.fd_, -1);
  }
  return *this;
}

fd_handle::~fd_handle() { reset(); }

void fd_handle::reset() {
  if (fd_ >= 0)
    ::close(fd_);
  fd_ = -1;
}

std::pair<std::string, std::uint16_t> split_address(const std::string& address) {
  std::string rest = address;
  if (rest.rfind("tcp://", 0) == 0)
    rest = rest.substr(6);
  else if (rest.find("://") != std::string::npos)
    throw config_error("troupe: address '" + address
                       + "': only tcp://host:port is supported");
  auto colon = rest.rfind(':');
  if (colon == std::string::npos || colon == 0 || colon + 1 == rest.size())
    throw config_error("troupe: address '" + address + "' is not of the form tcp://host:port");
  auto port_text = rest.substr(colon + 1);
  char* end = nullptr;
  long port = std::strtol(port_text.c_str(), &end, 10);
  if (*end != '\0' || port < 1 || port > 65535)
    throw config_error("troupe: address '" + address + "': port '" + port_text
                       + "' is not a number from 1 to 65535");
  return {rest.substr(0, colon), static_cast<std::uint16_t>(port)};
}

std::pair<fd_handle, std::uint16_t> listen_on(const std::string& host, std::uint16_t port) {
  fd_handle fd{::socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0)};
  if (!fd)
    throw connection_error(std::string{"troupe: socket: "} + std::strerror(errno));
  int one = 1;
  ::setsockopt(fd.get(), SOL_SOCKET, SO_REUSEADDR, &one, sizeof one);
  auto addr = resolve(host, port);
  if (::bind(fd.get(), reinterpret_cast<sockaddr*>(&addr), sizeof addr) != 0)
    throw connection_error("troupe: cannot listen on " + host + ":" + std::to_string(port) + ": "
                           + std::strerror(errno));
  if (::listen(fd.get(), 128) != 0)
    throw connection_error(std::string{"troupe: listen: "} + std::strerror(errno));
  socklen_t len = sizeof addr;
  ::getsockname(fd.get(), reinterpret_cast<sockaddr*>(&addr), &len);
  return {std::move(fd), ntohs(addr.sin_port)};
}

fd_handle connect_to(const std::string& host, std::uint16_t port, clock::time_point deadline) {
  auto addr = resolve(host, port);
  fd_handle fd{::socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC | SOCK_NONBLOCK, 0)};
  if (!fd)
    throw connection_error(std::string{"troupe: socket: "} + std::strerror(errno));
  tune_socket(fd.get());
  int r = ::connect(fd.get(), reinterpret_cast<sockaddr*>(&addr), sizeof addr);
  std::string where = host + ":" + std::to_string(port);
  if (r != 0 && errno != EINPROGRESS)
    throw connection_error("troupe: cannot connect to " + where + ": " + std::strerror(errno));
  if (r != 0) {
    if (!wait_for(fd.get(), POLLOUT, deadline))
      throw timeout_error("troupe: connecting to " + where + " timed out");
    int err = 0;
    socklen_t len = sizeof err;
    ::getsockopt(fd.get(), SOL_SOCKET, SO_ERROR, &err, &len);
    if (err != 0)
      throw connection_error("troupe: cannot connect to " + where + ": " + std::strerror(err));
  }
  return fd;
}

namespace {

// Blocking transfers with the kernel's own timeout (SO_RCVTIMEO/SO_SNDTIMEO)
// instead of poll + non-blocking calls: a large result then moves in few
// system calls and wake-ups (MSG_WAITALL fills the whole buffer at once).
void set_timeout(int fd, int option, clock::time_point deadline) {
  auto left = std::chrono::duration_cast<std::chrono::microseconds>(deadline - clock::now());
  if (left.count() <= 0)
    throw timeout_error("troupe: data transfer timed out");
  timeval tv{static_cast<time_t>(left.count() / 1'000'000),
             static_cast<suseconds_t>(left.count() % 1'000'000)};
  ::setsockopt(fd, SOL_SOCKET, option, &tv, sizeof tv);
}

void make_blocking(int fd) {
  int flags = ::fcntl(fd, F_GETFL);
  if (flags >= 0 && (flags & O_NONBLOCK))
    ::fcntl(fd, F_SETFL, flags & ~O_NONBLOCK);
}

} // namespace

bool read_exact(int fd, void* data, std::size_t n, clock::time_point deadline,
                std::size_t* got) {
  auto* begin = static_cast<char*>(data);
  auto* p = begin;
  struct count {
    std::size_t* out;
    char*& p;
    char* begin;
    ~count() {
      if (out)
        *out = static_cast<std::size_t>(p - begin);
    }
  } counter{got, p, begin};
  make_blocking(fd);
  set_timeout(fd, SO_RCVTIMEO, deadline);
  while (n > 0) {
    ssize_t r = ::recv(fd, p, n, MSG_WAITALL);
    if (r > 0) {
      p += r;
      n -= static_cast<std::size_t>(r);
      if (n > 0)  // a partial read (timeout or signal): only what is left of the deadline
        set_timeout(fd, SO_RCVTIMEO, deadline);
      continue;
    }
    if (r == 0)
      return false;
    if (errno == EINTR)
      continue;
    if (errno == EAGAIN || errno == EWOULDBLOCK) {
      if (clock::now() >= deadline)
        throw timeout_error("troupe: data transfer timed out");
      set_timeout(fd, SO_RCVTIMEO, deadline);
      continue;
    }
    return false;
  }
  return true;
}

bool write_all(int fd, const void* data, std::size_t n, clock::time_point deadline) {
  make_blocking(fd);
  set_timeout(fd, SO_SNDTIMEO, deadline);
  auto* p = static_cast<const char*>(data);
  while (n > 0) {
    ssize_t r = ::send(fd, p, n, MSG_NOSIGNAL);
    if (r > 0) {
      p += r;
      n -= static_cast<std::size_t>(r);
      continue;
    }
    if (r < 0 && errno == EINTR)
      continue;
    if (r < 0 && (errno == EAGAIN || errno == EWOULDBLOCK)) {
      if (clock::now() >= deadline)
        throw timeout_error("troupe: data transfer timed out");
      set_timeout(fd, SO_SNDTIMEO, deadline);
      continue;
    }
    return false;
  }
  return true;
}

bool wait_readable(int fd, clock::time_point deadline) { return wait_for(fd, POLLIN, deadline); }

std::string peer_name(int fd) {
  sockaddr_in addr{};
  socklen_t len = sizeof addr;
  if (::getpeername(fd, reinterpret_cast<sockaddr*>(&addr), &len) != 0 || addr.sin_family != AF_INET)
    return "?";
  char host[INET_ADDRSTRLEN] = {0};
  ::inet_ntop(AF_INET, &addr.sin_addr, host, sizeof host);
  return std::string{host} + ":" + std::to_string(ntohs(addr.sin_port));
}

} // namespace troupe::internal::net
