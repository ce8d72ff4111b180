#include "net/node.hpp"

#include <mutex>
#include <thread>

#include <caf/io/middleman.hpp>

#include "common/logging.hpp"
#include "net/socket.hpp"
#include "protocol/messages.hpp"
#include "troupe/errors.hpp"

namespace troupe::internal {

std::shared_ptr<node> node::shared() {
  static std::mutex mutex;
  static std::weak_ptr<node> current;
  std::lock_guard lock{mutex};
  if (auto n = current.lock())
    return n;
  auto n = std::make_shared<node>();
  current = n;
  return n;
}

node::node() = default;
node::~node() = default;

std::uint16_t node::publish(const caf::actor& a, const std::string& host, std::uint16_t port) {
  const char* in = host.empty() || host == "0.0.0.0" ? nullptr : host.c_str();
  auto r = system().middleman().publish(a, port, in, true);
  if (!r)
    throw connection_error("troupe: cannot listen on " + (host.empty() ? "*" : host) + ":"
                           + std::to_string(port) + ": " + system().render(r.error()));
  return *r;
}

caf::actor node::connect(const std::string& address, std::chrono::nanoseconds timeout,
                         const std::string& who, const std::function<bool()>& give_up) {
  auto [host, port] = net::split_address(address);
  auto deadline = std::chrono::steady_clock::now() + timeout;
  auto backoff = std::chrono::milliseconds(20);
  std::string last;
  for (int attempt = 1;; ++attempt) {
    auto r = system().middleman().remote_actor(host, port);
    if (r)
      return *r;
    // Another protocol version will not change by retrying.
    if (r.error() == caf::sec::incompatible_application_ids)
      throw connection_error("troupe " + who + ": the scheduler at " + address
                             + " speaks another troupe protocol version (this node speaks "
                             + proto::protocol_identifier + ")");
    last = system().render(r.error());
    auto now = std::chrono::steady_clock::now();
    if (now + backoff > deadline || (give_up && give_up()))
      break;
    spdlog::debug("troupe {}: connecting to {} failed ({}), retrying in {} ms", who, address, last,
                  backoff.count());
    // Backoff between attempts to reach a scheduler that is not up yet.
    std::this_thread::sleep_for(backoff);
    backoff = std::min(backoff * 2, std::chrono::milliseconds(1000));
  }
  throw connection_error(fmt::format("troupe {}: cannot reach a scheduler at {} within {:g} s: {}",
                                     who, address,
                                     std::chrono::duration<double>(timeout).count(), last));
}

} // namespace troupe::internal
