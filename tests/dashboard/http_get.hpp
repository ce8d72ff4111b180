// A small synchronous HTTP/1.1 client over plain POSIX sockets, for the
// dashboard tests: GET a path, send arbitrary bytes and read the reply, and
// read server-sent events. Every call has a deadline; none sleeps.
#pragma once

#include <chrono>
#include <map>
#include <optional>
#include <string>

namespace troupe_test {

struct http_response {
  int status = 0;                              ///< 0: no status line was received
  std::map<std::string, std::string> headers;  ///< names lower-cased
  std::string body;
  std::string raw;                             ///< every byte received
  bool closed = false;                         ///< the server closed the connection

  std::string header(const std::string& lower_name) const;
};

/// The port of "http://host:PORT/...", or -1.
int port_of_url(const std::string& url);

/// GET http://127.0.0.1:port + target (with "Connection: close"); throws
/// std::runtime_error when nothing complete arrives before the timeout.
http_response http_get(int port, const std::string& target,
                       std::chrono::milliseconds timeout = std::chrono::seconds(10));

/// Sends `bytes` as they are and reads until the server closes the
/// connection, a complete response has arrived, or the timeout passes. The
/// reply is parsed as far as it goes (status 0 when there is none).
http_response http_exchange(int port, const std::string& bytes,
                            std::chrono::milliseconds timeout = std::chrono::seconds(10));

/// A GET of a text/event-stream, read one event at a time.
class event_stream {
public:
  /// Connects and reads the response head; throws on failure or timeout.
  event_stream(int port, const std::string& target,
               std::chrono::milliseconds timeout = std::chrono::seconds(10));
  ~event_stream();
  event_stream(const event_stream&) = delete;
  event_stream& operator=(const event_stream&) = delete;

  int status() const { return head_.status; }
  const http_response& head() const { return head_; }

  struct event {
    std::string name;  ///< "event:" field; "message" when absent
    std::string data;  ///< "data:" lines joined with '\n'
  };
  /// The next event that has a data field (comments and retry-only blocks
  /// are skipped); nullopt when the deadline passes or the stream ends.
  std::optional<event> next(std::chrono::steady_clock::time_point deadline);

private:
  int fd_ = -1;
  http_response head_;
  std::string buffer_;
};

} // namespace troupe_test
