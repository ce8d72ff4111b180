// The dashboard's HTTP server (Boost.Beast, one thread): the page and its
// assets, the JSON API, /metrics and a server-sent-event feed. It knows
// nothing of CAF: every view comes from a `view_fn`, which asks the
// scheduler. Bad requests get HTTP errors; slow or silent clients time out.
#pragma once

#include <chrono>
#include <cstdint>
#include <functional>
#include <memory>
#include <optional>
#include <string>

namespace troupe::internal {

struct http_answer {
  unsigned status = 200;
  std::string content_type;
  std::string body;
  std::uint64_t cursor = 0;  // task-stream cursor after this answer (live updates)
};

/// Answers a view ("/api/v1/workers", "/metrics", "/api/v1/update", ...)
/// with a task-stream cursor; nullopt when the scheduler did not answer.
using view_fn = std::function<std::optional<http_answer>(const std::string& path,
                                                         std::uint64_t since)>;
/// Whether `path` is a view that view_fn answers.
using view_filter = std::function<bool(const std::string& path)>;

struct http_server_options {
  std::string host = "127.0.0.1";
  int port = 8787;  // 0: any free port
  std::chrono::milliseconds interval{200};      // live-update period
  std::chrono::milliseconds timeout{10000};     // a request must arrive (or a write finish) in this
  std::size_t max_header_bytes = 8192;
  std::size_t max_connections = 128;
};

class http_server {
public:
  /// Binds and starts serving; throws std::system_error when the address
  /// cannot be bound.
  http_server(http_server_options options, view_fn view, view_filter is_view);
  ~http_server();
  http_server(const http_server&) = delete;
  http_server& operator=(const http_server&) = delete;

  int port() const;

  struct impl;  // in the .cpp, with the sessions that use it

private:
  std::shared_ptr<impl> impl_;
};

} // namespace troupe::internal
