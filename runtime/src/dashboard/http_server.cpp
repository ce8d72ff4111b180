#include "dashboard/http_server.hpp"

#include <atomic>
#include <charconv>
#include <thread>

#include <pthread.h>

#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/write.hpp>
#include <boost/beast/core.hpp>
#include <boost/beast/http.hpp>

#include "common/logging.hpp"
#include "dashboard/assets.hpp"

namespace troupe::internal {

namespace {

namespace asio = boost::asio;
namespace beast = boost::beast;
namespace http = beast::http;
using tcp = asio::ip::tcp;
using error_code = boost::system::error_code;

constexpr std::size_t max_body_bytes = 64 * 1024;  // every request is a GET

std::string json_error(std::string_view what) {
  std::string out = R"({"error":")";
  for (char c : what) {
    if (c == '"' || c == '\\')
      out += '\\';
    if (static_cast<unsigned char>(c) < 0x20)
      continue;
    out += c;
  }
  return out + "\"}";
}

bool is_hex(char c) {
  return (c >= '0' && c <= '9') || (c >= 'a' && c <= 'f') || (c >= 'A' && c <= 'F');
}

/// A parsed request target: its path and the one parameter troupe reads.
struct target {
  std::string path;
  std::uint64_t since = 0;
  std::string error;  // non-empty: a malformed query, answered with 400
};

target parse_target(std::string_view t) {
  target out;
  auto q = t.find('?');
  out.path = std::string{t.substr(0, q)};
  if (q == std::string_view::npos)
    return out;
  std::string_view query = t.substr(q + 1);
  while (!query.empty()) {
    auto amp = query.find('&');
    auto pair = query.substr(0, amp);
    query = amp == std::string_view::npos ? std::string_view{} : query.substr(amp + 1);
    for (std::size_t i = 0; i < pair.size(); ++i)
      if (pair[i] == '%' && (i + 2 >= pair.size() || !is_hex(pair[i + 1]) || !is_hex(pair[i + 2]))) {
        out.error = "malformed query: bad percent-encoding in '" + std::string{pair} + "'";
        return out;
      }
    auto eq = pair.find('=');
    auto key = pair.substr(0, eq);
    auto value = eq == std::string_view::npos ? std::string_view{} : pair.substr(eq + 1);
    if (key == "since") {
      auto [end, ec] = std::from_chars(value.data(), value.data() + value.size(), out.since);
      if (value.empty() || ec != std::errc{} || end != value.data() + value.size()) {
        out.error = "malformed query: since must be a non-negative integer, got '"
                    + std::string{value} + "'";
        return out;
      }
    }
  }
  return out;
}

} // namespace

struct http_server::impl {
  http_server_options options;
  view_fn view;
  view_filter is_view;
  std::atomic<std::size_t> connections{0};
  // Destroyed before the fields above: pending handlers (and the sessions
  // they hold) go with the io_context.
  asio::io_context io{1};
  tcp::acceptor acceptor{io};
  std::thread thread;

  void accept();
};

namespace {

class session : public std::enable_shared_from_this<session> {
public:
  session(tcp::socket socket, http_server::impl& server)
    : stream_(std::move(socket)), server_(server), timer_(stream_.get_executor()) {
    ++server_.connections;
  }
  ~session() { --server_.connections; }

  void read() {
    parser_.emplace();
    parser_->header_limit(static_cast<std::uint32_t>(server_.options.max_header_bytes));
    parser_->body_limit(max_body_bytes);
    stream_.expires_after(server_.options.timeout);
    http::async_read(stream_, buffer_, *parser_,
                     [self = shared_from_this()](error_code ec, std::size_t) { self->on_read(ec); });
  }

private:
  void on_read(error_code ec) {
    if (ec == http::error::end_of_stream || ec == asio::error::eof
        || ec == asio::error::connection_reset || ec == beast::error::timeout)
      return close();
    if (ec == http::error::header_limit)
      return answer(431, "application/json", json_error("request header fields too large"), false);
    if (ec == http::error::body_limit)
      return answer(413, "application/json", json_error("request body too large"), false);
    if (ec) {
      if (ec.category() == http::make_error_code(http::error::bad_target).category())
        return answer(400, "application/json", json_error("bad request: " + ec.message()), false);
      return close();
    }
    handle(parser_->get());
  }

  void handle(const http::request<http::string_body>& req) {
    bool keep = req.keep_alive();
    if (req.method() != http::verb::get) {
      allow_get_ = true;
      return answer(405, "application/json", json_error("only GET is supported"), keep);
    }
    auto t = parse_target(std::string_view{req.target().data(), req.target().size()});
    if (!t.error.empty())
      return answer(400, "application/json", json_error(t.error), keep);
    if (t.path == "/" || t.path == "/status/") {
      location_ = "/status";
      return answer(302, "text/plain", "see /status", keep);
    }
    if (t.path == "/health")
      return answer(200, "text/plain", "ok", keep);
    if (t.path == "/api/v1/stream")
      return start_events(t.since);
    if (auto asset = dashboard_asset(t.path))
      return answer(200, std::string{asset->content_type}, std::string{asset->body}, keep);
    if (server_.is_view(t.path)) {
      auto a = server_.view(t.path, t.since);
      if (!a)
        return answer(503, "application/json",
                      json_error("the scheduler did not answer in time"), keep);
      return answer(a->status, std::move(a->content_type), std::move(a->body), keep);
    }
    answer(404, "application/json", json_error("not found: " + t.path), keep);
  }

  void answer(unsigned status, std::string content_type, std::string body, bool keep) {
    auto res = std::make_shared<http::response<http::string_body>>(
      static_cast<http::status>(status), 11);
    res->set(http::field::server, "troupe");
    res->set(http::field::content_type, content_type);
    res->set(http::field::cache_control, "no-store");
    if (!location_.empty())
      res->set(http::field::location, location_);
    if (allow_get_)
      res->set(http::field::allow, "GET");
    location_.clear();
    allow_get_ = false;
    res->keep_alive(keep);
    res->body() = std::move(body);
    res->prepare_payload();
    stream_.expires_after(server_.options.timeout);
    http::async_write(stream_, *res,
                      [self = shared_from_this(), res](error_code ec, std::size_t) {
                        if (ec || res->need_eof())
                          return self->close();
                        self->read();
                      });
  }

  // Server-sent events: a header and a first `update` at once, then one
  // per interval, each carrying the task stream since the last one.
  void start_events(std::uint64_t since) {
    cursor_ = since;
    header_ = "HTTP/1.1 200 OK\r\nServer: troupe\r\nContent-Type: text/event-stream\r\n"
              "Cache-Control: no-store\r\nConnection: close\r\n\r\nretry: 1000\n\n";
    next_event();
  }

  void write_event() {
    stream_.expires_after(server_.options.timeout);
    asio::async_write(stream_, asio::buffer(out_),
                      [self = shared_from_this()](error_code ec, std::size_t) {
                        if (ec)
                          return self->close();
                        self->timer_.expires_after(self->server_.options.interval);
                        self->timer_.async_wait([self](error_code e) {
                          if (!e)
                            self->next_event();
                        });
                      });
  }

  void next_event() {
    auto a = server_.view("/api/v1/update", cursor_);
    out_ = std::move(header_);
    header_.clear();
    if (a && a->status == 200) {
      cursor_ = a->cursor;
      out_ += "event: update\ndata: " + a->body + "\n\n";
    } else {
      out_ += ": the scheduler did not answer\n\n";  // a comment keeps the connection open
    }
    write_event();
  }

  void close() {
    error_code ignored;
    timer_.cancel();
    stream_.socket().shutdown(tcp::socket::shutdown_both, ignored);
    stream_.close();
  }

  beast::tcp_stream stream_;
  http_server::impl& server_;
  beast::flat_buffer buffer_;
  std::optional<http::request_parser<http::string_body>> parser_;
  asio::steady_timer timer_;
  std::uint64_t cursor_ = 0;
  std::string out_;
  std::string header_;  // the event stream's, until its first event is written
  std::string location_;
  bool allow_get_ = false;
};

} // namespace

void http_server::impl::accept() {
  acceptor.async_accept([this](error_code ec, tcp::socket socket) {
    if (ec == asio::error::operation_aborted)
      return;
    if (!ec) {
      if (connections.load() >= options.max_connections) {
        spdlog::warn("troupe dashboard: refused a connection: {} open already",
                     connections.load());
        error_code ignored;
        socket.close(ignored);
      } else {
        std::make_shared<session>(std::move(socket), *this)->read();
      }
    }
    accept();
  });
}

http_server::http_server(http_server_options options, view_fn view, view_filter is_view)
  : impl_(std::make_shared<impl>()) {
  auto& im = *impl_;
  im.options = std::move(options);
  im.view = std::move(view);
  im.is_view = std::move(is_view);
  auto port = static_cast<unsigned short>(im.options.port);
  boost::system::error_code literal;
  auto address = asio::ip::make_address(im.options.host, literal);
  tcp::endpoint endpoint{address, port};
  if (literal) {
    // A host name (a batch job's node): its first address, IPv4 first.
    // Unresolvable throws system_error, reported like a bind failure.
    tcp::resolver resolver{im.io};
    auto found = resolver.resolve(im.options.host, std::to_string(port));
    endpoint = found.begin()->endpoint();
    for (const auto& e : found)
      if (e.endpoint().address().is_v4()) {
        endpoint = e.endpoint();
        break;
      }
  }
  im.acceptor.open(endpoint.protocol());
  im.acceptor.set_option(asio::socket_base::reuse_address(true));
  im.acceptor.bind(endpoint);
  im.acceptor.listen();
  im.accept();
  im.thread = std::thread([&im] {
    // Named, so that benchmarks and `top -H` can tell what its CPU time is.
    pthread_setname_np(pthread_self(), "troupe-http");
    try {
      im.io.run();
    } catch (const std::exception& e) {
      spdlog::error("troupe dashboard: stopped by an exception: {}", e.what());
    }
  });
}

http_server::~http_server() {
  impl_->io.stop();
  if (impl_->thread.joinable())
    impl_->thread.join();
}

int http_server::port() const { return impl_->acceptor.local_endpoint().port(); }

} // namespace troupe::internal
