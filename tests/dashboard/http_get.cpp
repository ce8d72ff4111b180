#include "http_get.hpp"

#include <cerrno>
#include <cstring>
#include <stdexcept>

#include <arpa/inet.h>
#include <netinet/in.h>
#include <poll.h>
#include <sys/socket.h>
#include <unistd.h>

namespace troupe_test {

namespace {

using clock = std::chrono::steady_clock;

int connect_local(int port) {
  int fd = ::socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
  if (fd < 0)
    throw std::runtime_error(std::string{"socket: "} + std::strerror(errno));
  sockaddr_in addr{};
  addr.sin_family = AF_INET;
  addr.sin_port = htons(static_cast<std::uint16_t>(port));
  addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  if (::connect(fd, reinterpret_cast<sockaddr*>(&addr), sizeof addr) != 0) {
    int e = errno;
    ::close(fd);
    throw std::runtime_error("connect to 127.0.0.1:" + std::to_string(port) + ": "
                             + std::strerror(e));
  }
  return fd;
}

// Sends what the peer takes; stops quietly when it closes (a server may
// answer and close before reading everything).
void send_all(int fd, const std::string& bytes, clock::time_point deadline) {
  std::size_t sent = 0;
  while (sent < bytes.size()) {
    pollfd p{fd, POLLOUT, 0};
    auto left = std::chrono::duration_cast<std::chrono::milliseconds>(deadline - clock::now());
    if (left.count() <= 0 || ::poll(&p, 1, static_cast<int>(left.count())) <= 0)
      return;
    auto n = ::send(fd, bytes.data() + sent, bytes.size() - sent, MSG_NOSIGNAL);
    if (n < 0) {
      if (errno == EINTR || errno == EAGAIN)
        continue;
      return;  // EPIPE, ECONNRESET: the server stopped reading
    }
    sent += static_cast<std::size_t>(n);
  }
}

// Reads what is available into `out` within the deadline; false at EOF,
// error or timeout.
bool read_some(int fd, std::string& out, clock::time_point deadline) {
  for (;;) {
    auto left = std::chrono::duration_cast<std::chrono::milliseconds>(deadline - clock::now());
    if (left.count() <= 0)
      return false;
    pollfd p{fd, POLLIN, 0};
    int r = ::poll(&p, 1, static_cast<int>(left.count()));
    if (r < 0 && errno == EINTR)
      continue;
    if (r <= 0)
      return false;
    char buf[16384];
    auto n = ::recv(fd, buf, sizeof buf, 0);
    if (n < 0 && errno == EINTR)
      continue;
    if (n <= 0)
      return false;
    out.append(buf, static_cast<std::size_t>(n));
    return true;
  }
}

std::string lower(std::string s) {
  for (auto& c : s)
    if (c >= 'A' && c <= 'Z')
      c = static_cast<char>(c - 'A' + 'a');
  return s;
}

std::string trim(const std::string& s) {
  auto a = s.find_first_not_of(" \t");
  auto b = s.find_last_not_of(" \t\r");
  return a == std::string::npos ? std::string{} : s.substr(a, b - a + 1);
}

// Parses the head (status line and headers) of `r.raw`; returns where the
// body starts, or npos when the head is not complete.
std::size_t parse_head(http_response& r) {
  auto end = r.raw.find("\r\n\r\n");
  if (end == std::string::npos)
    return std::string::npos;
  std::size_t line_end = r.raw.find("\r\n");
  std::string status_line = r.raw.substr(0, line_end);
  if (status_line.rfind("HTTP/1.", 0) == 0 && status_line.size() >= 12)
    r.status = std::atoi(status_line.c_str() + 9);
  std::size_t at = line_end + 2;
  while (at < end) {
    auto next = r.raw.find("\r\n", at);
    std::string line = r.raw.substr(at, next - at);
    auto colon = line.find(':');
    if (colon != std::string::npos)
      r.headers[lower(line.substr(0, colon))] = trim(line.substr(colon + 1));
    at = next + 2;
  }
  return end + 4;
}

// Whether `r.raw` holds a whole response; fills status, headers and body.
bool complete(http_response& r) {
  auto body_at = parse_head(r);
  if (body_at == std::string::npos)
    return false;
  auto it = r.headers.find("content-length");
  if (it == r.headers.end()) {
    r.body = r.raw.substr(body_at);
    return false;  // read to the end of the connection
  }
  auto length = static_cast<std::size_t>(std::stoull(it->second));
  if (r.raw.size() - body_at < length)
    return false;
  r.body = r.raw.substr(body_at, length);
  return true;
}

http_response exchange(int port, const std::string& bytes, std::chrono::milliseconds timeout) {
  auto deadline = clock::now() + timeout;
  int fd = connect_local(port);
  http_response r;
  send_all(fd, bytes, deadline);
  bool done = false;
  while (!done) {
    if (!read_some(fd, r.raw, deadline)) {
      r.closed = clock::now() < deadline;
      break;
    }
    done = complete(r);
  }
  ::close(fd);
  if (!done)
    complete(r);  // as far as it goes
  return r;
}

} // namespace

std::string http_response::header(const std::string& lower_name) const {
  auto it = headers.find(lower_name);
  return it == headers.end() ? std::string{} : it->second;
}

int port_of_url(const std::string& url) {
  auto scheme = url.find("://");
  if (scheme == std::string::npos)
    return -1;
  auto host_end = url.find('/', scheme + 3);
  auto authority = url.substr(scheme + 3, host_end - scheme - 3);
  auto colon = authority.rfind(':');
  if (colon == std::string::npos)
    return -1;
  try {
    return std::stoi(authority.substr(colon + 1));
  } catch (const std::exception&) {
    return -1;
  }
}

http_response http_get(int port, const std::string& target, std::chrono::milliseconds timeout) {
  auto r = exchange(port,
                    "GET " + target + " HTTP/1.1\r\nHost: 127.0.0.1:" + std::to_string(port)
                      + "\r\nConnection: close\r\n\r\n",
                    timeout);
  if (r.status == 0)
    throw std::runtime_error("GET " + target + ": no response within "
                             + std::to_string(timeout.count()) + " ms (received "
                             + std::to_string(r.raw.size()) + " bytes)");
  return r;
}

http_response http_exchange(int port, const std::string& bytes,
                            std::chrono::milliseconds timeout) {
  return exchange(port, bytes, timeout);
}

event_stream::event_stream(int port, const std::string& target,
                           std::chrono::milliseconds timeout) {
  auto deadline = clock::now() + timeout;
  fd_ = connect_local(port);
  send_all(fd_,
           "GET " + target + " HTTP/1.1\r\nHost: 127.0.0.1:" + std::to_string(port)
             + "\r\nAccept: text/event-stream\r\n\r\n",
           deadline);
  std::size_t body_at = std::string::npos;
  while ((body_at = parse_head(head_)) == std::string::npos)
    if (!read_some(fd_, head_.raw, deadline)) {
      ::close(fd_);
      throw std::runtime_error("GET " + target + ": no response head within "
                               + std::to_string(timeout.count()) + " ms");
    }
  buffer_ = head_.raw.substr(body_at);
}

event_stream::~event_stream() {
  if (fd_ >= 0)
    ::close(fd_);
}

std::optional<event_stream::event> event_stream::next(clock::time_point deadline) {
  for (;;) {
    // An event ends at a blank line.
    auto end = buffer_.find("\n\n");
    while (end != std::string::npos) {
      std::string block = buffer_.substr(0, end);
      buffer_.erase(0, end + 2);
      event e{"message", {}};
      bool has_data = false;
      std::size_t at = 0;
      while (at <= block.size()) {
        auto nl = block.find('\n', at);
        std::string line = block.substr(at, nl == std::string::npos ? std::string::npos : nl - at);
        at = nl == std::string::npos ? block.size() + 1 : nl + 1;
        if (line.empty() || line[0] == ':')
          continue;
        auto colon = line.find(':');
        std::string field = line.substr(0, colon);
        std::string value = colon == std::string::npos ? std::string{} : line.substr(colon + 1);
        if (!value.empty() && value[0] == ' ')
          value.erase(0, 1);
        if (field == "event")
          e.name = value;
        else if (field == "data") {
          e.data += (has_data ? "\n" : "") + value;
          has_data = true;
        }
      }
      if (has_data)
        return e;
      end = buffer_.find("\n\n");
    }
    if (!read_some(fd_, buffer_, deadline))
      return std::nullopt;
  }
}

} // namespace troupe_test
