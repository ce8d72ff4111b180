// libFuzzer: bytes sent to the dashboard's HTTP server (dashboard/http_server)
// over a real loopback connection, as a browser, a scraper or an attacker
// would. Whatever arrives, the server answers with a well-formed HTTP status
// troupe uses, or closes the connection, and keeps serving: every input is
// followed by a valid request that must get 200.
//
//   troupe_fuzz_http --write-seeds=DIR   writes valid requests to start from
#include <arpa/inet.h>
#include <netinet/in.h>
#include <poll.h>
#include <sys/socket.h>
#include <unistd.h>

#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <fstream>
#include <memory>
#include <set>
#include <string>
#include <string_view>
#include <utility>

#include "dashboard/http_server.hpp"
#include "seed_flag.hpp"

namespace troupe::internal {
// The page's assets, as the build embeds them (tests need only a stand-in).
extern const std::pair<std::string_view, std::string_view> embedded_assets[];
extern const std::size_t embedded_asset_count;
const std::pair<std::string_view, std::string_view> embedded_assets[] = {
  {"status.html", "<!DOCTYPE html><title>troupe</title>"},
  {"dashboard.js", "console.log('troupe');"},
};
const std::size_t embedded_asset_count = 2;
} // namespace troupe::internal

namespace {

using namespace troupe::internal;

#define REQUIRE(cond, what)                                                                 \
  do {                                                                                      \
    if (!(cond)) {                                                                          \
      std::fprintf(stderr, "%s:%d: %s: %s\n", __FILE__, __LINE__, #cond, (what).c_str());    \
      std::abort();                                                                         \
    }                                                                                       \
  } while (false)

http_server& server() {
  static auto* s = [] {
    http_server_options o;
    o.port = 0;
    o.interval = std::chrono::milliseconds(5);
    o.timeout = std::chrono::milliseconds(2000);
    auto view = [](const std::string& path, std::uint64_t since) -> std::optional<http_answer> {
      return http_answer{200, "application/json",
                         "{\"path\":\"" + path + "\",\"since\":" + std::to_string(since) + "}",
                         since};
    };
    auto is_view = [](const std::string& p) { return p.rfind("/api/v1/", 0) == 0 || p == "/metrics"; };
    return new http_server(o, view, is_view);
  }();
  return *s;
}

// Sends `bytes`, closes the sending side, and reads the reply until the
// server closes (or, for the event stream, until its first event).
std::string exchange(std::string_view bytes) {
  int fd = ::socket(AF_INET, SOCK_STREAM, 0);
  sockaddr_in a{};
  a.sin_family = AF_INET;
  a.sin_port = htons(static_cast<std::uint16_t>(server().port()));
  a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  REQUIRE(::connect(fd, reinterpret_cast<sockaddr*>(&a), sizeof a) == 0, std::string{"connect"});
  for (std::size_t sent = 0; sent < bytes.size();) {
    auto n = ::send(fd, bytes.data() + sent, bytes.size() - sent, MSG_NOSIGNAL);
    if (n <= 0)
      break;  // the server may close early on a bad request
    sent += static_cast<std::size_t>(n);
  }
  ::shutdown(fd, SHUT_WR);
  std::string reply;
  char buf[16384];
  auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(5);
  while (std::chrono::steady_clock::now() < deadline) {
    pollfd p{fd, POLLIN, 0};
    if (::poll(&p, 1, 100) <= 0)
      continue;
    auto n = ::recv(fd, buf, sizeof buf, 0);
    if (n <= 0)
      break;
    reply.append(buf, static_cast<std::size_t>(n));
    if (reply.find("text/event-stream") != std::string::npos
        && reply.find("\n\nevent: update") != std::string::npos)
      break;
  }
  ::close(fd);
  REQUIRE(std::chrono::steady_clock::now() < deadline, std::string{"no answer within 5 s"});
  return reply;
}

void check_reply(const std::string& reply) {
  if (reply.empty())
    return;  // closed without an answer: allowed for bytes that are not HTTP
  static const std::set<std::string> statuses{"200", "302", "400", "404", "405", "413", "431"};
  REQUIRE(reply.rfind("HTTP/1.1 ", 0) == 0, reply.substr(0, 64));
  REQUIRE(reply.size() >= 12 && statuses.count(reply.substr(9, 3)) == 1, reply.substr(0, 64));
}

const char* const seeds[] = {
  "GET /status HTTP/1.1\r\nHost: x\r\n\r\n",
  "GET /api/v1/task-stream?since=12 HTTP/1.1\r\nHost: x\r\n\r\n",
  "GET /api/v1/stream HTTP/1.1\r\nHost: x\r\n\r\n",
  "POST /api/v1/info HTTP/1.1\r\nHost: x\r\nContent-Length: 3\r\n\r\nabc",
  "GET /static/dashboard.js HTTP/1.1\r\nHost: x\r\n\r\nGET / HTTP/1.1\r\n\r\n",
  "GET /metrics?since=%zz HTTP/1.0\r\n\r\n",
};

} // namespace

extern "C" int LLVMFuzzerInitialize(int* argc, char*** argv) {
  write_seeds_if_asked(*argc, *argv, [](const std::string& dir) {
    int i = 0;
    for (const char* s : seeds)
      std::ofstream{dir + "/seed-" + std::to_string(i++), std::ios::binary} << s;
  });
  return 0;
}

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  check_reply(exchange({reinterpret_cast<const char*>(data), size}));
  auto ok = exchange("GET /api/v1/info HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n");
  REQUIRE(ok.rfind("HTTP/1.1 200", 0) == 0, ok.substr(0, 64));
  return 0;
}
