#include "net/basp_guard.hpp"

#include <algorithm>
#include <atomic>
#include <chrono>
#include <condition_variable>
#include <deque>
#include <mutex>
#include <set>
#include <thread>

#include <sys/socket.h>

#include <caf/actor_system_config.hpp>
#include <caf/binary_deserializer.hpp>
#include <caf/io/basp/header.hpp>
#include <caf/io/basp/version.hpp>
#include <caf/io/middleman.hpp>
#include <caf/io/network/default_multiplexer.hpp>
#include <caf/io/network/interfaces.hpp>
#include <caf/io/network/scribe_impl.hpp>
#include <caf/node_id.hpp>

#include "common/logging.hpp"
#include "net/basp_payload.hpp"
#include "protocol/messages.hpp"
#include "troupe/config.hpp"

namespace troupe::internal {

namespace {

namespace basp = caf::io::basp;
namespace network = caf::io::network;
using clock_type = std::chrono::steady_clock;

std::mutex role_mutex;
std::string role = "node";

std::string node_role() {
  std::lock_guard lock{role_mutex};
  return role;
}

struct guard_limits {
  std::uint64_t max_message_size = 0;
  std::chrono::milliseconds handshake_timeout{0};
};

std::string join(const std::vector<std::string>& xs) {
  std::string out;
  for (const auto& x : xs)
    out += (out.empty() ? "" : ", ") + x;
  return out;
}

// A connection whose every BASP header is read here before CAF reads it.
// Runs on the multiplexer's thread, except `handshaken`, read by the watchdog.
class guarded_scribe final : public network::scribe_impl {
public:
  guarded_scribe(network::default_multiplexer& mx, network::native_socket fd,
                 const guard_limits& limits)
    : scribe_impl(mx, fd), limits_(limits) {
    // Asked now: once the peer is gone, the socket no longer knows it.
    peer_ = addr() + ":" + std::to_string(port());
  }

  bool consume(caf::execution_unit* ctx, const void* buf, size_t n) override {
    if (dropped_)
      return true;  // swallowed: the socket is shut down, CAF sees it close next
    if (detached())  // CAF closed it already: nothing to check
      return scribe::consume(ctx, buf, n);
    bool pass = true;
    switch (expect_) {
      case expect::handshake:
      case expect::header:
        pass = on_header(ctx, static_cast<const char*>(buf), n);
        break;
      case expect::handshake_payload:
        pass = on_handshake_payload(ctx, static_cast<const char*>(buf), n);
        break;
      case expect::checked_payload:
        pass = on_message_payload(static_cast<const char*>(buf), n);
        break;
      case expect::payload:
        expect_ = expect::header;
        break;
    }
    return pass ? scribe::consume(ctx, buf, n) : true;
  }

  bool handshaken() const { return handshaken_.load(std::memory_order_acquire); }

  // The handshake timeout passed (on the multiplexer's thread).
  void handshake_deadline() {
    if (!handshaken() && !dropped_ && !detached())
      drop("no handshake within " + std::to_string(limits_.handshake_timeout.count()) + " ms");
  }

protected:
  // CAF asks for this message when the peer hung up or the socket failed.
  caf::message detach_message() override {
    if (!handshaken() && !dropped_)
      spdlog::warn("troupe {}: a peer at {} hung up before completing the handshake (not a "
                   "troupe node?)",
                   node_role(), peer());
    else if (!dropped_ && messages_ == 0)
      // A node refusing our protocol version sends its handshake (in CAF
      // 0.17 it carries no version), reads ours and hangs up: this is all
      // we see of it. Troupe nodes always send something once connected.
      spdlog::warn("troupe {}: a peer at {} hung up right after its handshake, before sending "
                   "a message (a node of another troupe protocol version does so)",
                   node_role(), peer());
    return scribe::detach_message();
  }

private:
  enum class expect { handshake, handshake_payload, header, checked_payload, payload };

  const std::string& peer() const { return peer_; }

  // Logs and shuts the socket down: CAF reads end-of-stream next and cleans
  // up as for a peer that hung up. Frames already buffered are swallowed.
  void drop(const std::string& why) {
    dropped_ = true;
    spdlog::warn("troupe {}: dropped a peer at {}: {}", node_role(), peer(), why);
    ::shutdown(stream_.fd(), SHUT_RDWR);
  }

  bool on_header(caf::execution_unit* ctx, const char* buf, size_t n) {
    basp::header hdr;
    caf::binary_deserializer source{ctx, buf, n};
    if (n != basp::header_size || source(hdr) || !basp::valid(hdr)) {  // fixed fields: no throw
      drop("it sent a malformed message header (not BASP, or another BASP version)");
      return false;
    }
    bool handshake = basp::is_handshake(hdr);
    if (expect_ == expect::handshake && !handshake) {
      drop("its first message is a " + basp::to_string(hdr.operation) + ", not a handshake");
      return false;
    }
    if (handshake && hdr.payload_len == 0) {
      // CAF 0.17 would read the missing payload through a null pointer.
      drop("it sent a handshake without a payload");
      return false;
    }
    if (hdr.operation == basp::message_type::server_handshake
        && hdr.operation_data != basp::version) {
      drop("it speaks BASP version " + std::to_string(hdr.operation_data) + ", this node "
           + std::to_string(basp::version));
      return false;
    }
    if (hdr.payload_len > limits_.max_message_size) {
      drop("it announced a message of " + std::to_string(hdr.payload_len)
           + " bytes, over network.max_message_size (" + std::to_string(limits_.max_message_size)
           + ")");
      return false;
    }
    if (handshake) {
      handshake_op_ = hdr.operation;
      expect_ = expect::handshake_payload;
    } else {
      ++messages_;
      operation_ = static_cast<std::uint8_t>(hdr.operation);
      expect_ = hdr.payload_len == 0 ? expect::header
                : (operation_ >= basp_payload::direct_message
                   && operation_ <= basp_payload::down_message)
                  ? expect::checked_payload
                  : expect::payload;
    }
    return true;
  }

  // Only types troupe exchanges reach CAF's decoder (net/basp_payload.hpp).
  bool on_message_payload(const char* buf, size_t n) {
    expect_ = expect::header;
    if (auto why = basp_payload::check(operation_, {buf, n}); !why.empty()) {
      drop("it sent " + why);
      return false;
    }
    return true;
  }

  // Decodes the handshake as CAF will, so a bad one is named in the log.
  bool on_handshake_payload(caf::execution_unit* ctx, const char* buf, size_t n) {
    try {
      return decode_handshake(ctx, buf, n);
    } catch (const std::exception&) {
      drop("its handshake does not decode");
      return false;
    }
  }

  bool decode_handshake(caf::execution_unit* ctx, const char* buf, size_t n) {
    caf::binary_deserializer source{ctx, buf, n};
    caf::node_id node;
    if (handshake_op_ == basp::message_type::client_handshake) {
      if (source(node)) {
        drop("its handshake does not decode");
        return false;
      }
    } else {
      std::vector<std::string> app_ids;
      caf::actor_id aid = 0;
      std::set<std::string> sigs;
      if (source(node, app_ids, aid, sigs)) {
        drop("its handshake does not decode");
        return false;
      }
      // CAF refuses the peer itself and tells remote_actor why; say it here
      // too, with the versions.
      if (std::find(app_ids.begin(), app_ids.end(), proto::protocol_identifier) == app_ids.end())
        spdlog::warn("troupe {}: the peer at {} speaks another protocol ({}), this node {}",
                     node_role(), peer(), join(app_ids), proto::protocol_identifier);
    }
    handshaken_.store(true, std::memory_order_release);
    expect_ = expect::header;
    return true;
  }

  guard_limits limits_;
  std::string peer_;
  expect expect_ = expect::handshake;
  basp::message_type handshake_op_ = basp::message_type::client_handshake;
  std::uint8_t operation_ = 0;  // of the message whose payload comes next
  std::atomic<bool> handshaken_{false};
  bool dropped_ = false;
  std::uint64_t messages_ = 0;  // headers after the handshake
};

// CAF's default multiplexer, making guarded scribes, with a watchdog thread
// for handshake deadlines.
class guarded_multiplexer final : public network::default_multiplexer {
public:
  explicit guarded_multiplexer(caf::actor_system* sys) : default_multiplexer(sys) {
    const auto& net = current_config().network;
    limits_.max_message_size = net.max_message_size;
    limits_.handshake_timeout = net.handshake_timeout;
    watchdog_ = std::thread([this] { watch(); });
  }

  ~guarded_multiplexer() override {
    {
      std::lock_guard lock{mutex_};
      stopping_ = true;
    }
    wake_.notify_all();
    watchdog_.join();
  }

  caf::io::scribe_ptr new_scribe(network::native_socket fd) override {
    network::keepalive(fd, true);  // as CAF's own new_scribe
    auto ptr = caf::make_counted<guarded_scribe>(*this, fd, limits_);
    {
      std::lock_guard lock{mutex_};
      pending_.emplace_back(clock_type::now() + limits_.handshake_timeout, ptr);
    }
    wake_.notify_all();
    return ptr;
  }

private:
  // Hands each connection to the multiplexer's thread once its handshake
  // deadline passed (deadlines arrive in order: one timeout for all).
  void watch() {
    std::unique_lock lock{mutex_};
    for (;;) {
      if (stopping_)
        return;
      if (pending_.empty()) {
        wake_.wait(lock);
        continue;
      }
      auto deadline = pending_.front().first;
      if (clock_type::now() < deadline) {
        wake_.wait_until(lock, deadline);
        continue;
      }
      auto ptr = std::move(pending_.front().second);
      pending_.pop_front();
      lock.unlock();  // post writes to a pipe: never while new_scribe may wait
      // The reference is released on the multiplexer's thread too.
      if (!ptr->handshaken())
        post([ptr = std::move(ptr)] { ptr->handshake_deadline(); });
      else
        post([ptr = std::move(ptr)] {});
      lock.lock();
    }
  }

  guard_limits limits_;
  std::mutex mutex_;
  std::condition_variable wake_;
  std::deque<std::pair<clock_type::time_point, caf::intrusive_ptr<guarded_scribe>>> pending_;
  bool stopping_ = false;
  std::thread watchdog_;
};

} // namespace

void load_guarded_middleman(caf::actor_system_config& cfg) {
  cfg.load<caf::io::middleman, guarded_multiplexer>();
}

void set_node_role(std::string r) {
  std::lock_guard lock{role_mutex};
  role = std::move(r);
}

} // namespace troupe::internal
