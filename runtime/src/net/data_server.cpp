#include "net/data_server.hpp"

#include <algorithm>
#include <cstring>
#include <system_error>

#include <fcntl.h>
#include <poll.h>
#include <sys/socket.h>
#include <unistd.h>

#include "common/logging.hpp"
#include "net/data_wire.hpp"
#include "troupe/errors.hpp"
#include "worker/worker_store.hpp"

namespace troupe::internal {

namespace {

// An idle connection (kept by a peer for reuse) is checked for a stop this often.
constexpr auto idle_poll = std::chrono::milliseconds(500);

} // namespace

data_server::data_server(const worker_store& store, const std::string& host, std::string owner,
                         std::chrono::milliseconds frame_timeout)
  : store_(store), owner_(std::move(owner)), frame_timeout_(frame_timeout) {
  auto [fd, port] = net::listen_on(host, 0);
  listener_ = std::move(fd);
  address_ = (host.empty() ? std::string{"127.0.0.1"} : host) + ":" + std::to_string(port);
  if (::pipe2(wake_, O_CLOEXEC) != 0)
    throw connection_error("troupe: data server: cannot create a pipe");
  acceptor_ = std::thread([this] { accept_loop(); });
}

data_server::~data_server() {
  stop();
  ::close(wake_[0]);
  ::close(wake_[1]);
}

void data_server::stop() {
  if (stopping_.exchange(true))
    return;
  char c = 1;
  [[maybe_unused]] auto n = ::write(wake_[1], &c, 1);
  if (acceptor_.joinable())
    acceptor_.join();
  std::unique_lock lock{mutex_};
  for (int fd : open_)
    ::shutdown(fd, SHUT_RDWR);
  // Connection threads are detached (a long-lived worker must not collect
  // one finished thread per connection); each removes its fd when done.
  all_closed_.wait(lock, [this] { return open_.empty(); });
}

void data_server::accept_loop() {
  for (;;) {
    pollfd p[2] = {{listener_.get(), POLLIN, 0}, {wake_[0], POLLIN, 0}};
    if (::poll(p, 2, -1) < 0)
      continue;
    if (stopping_ || (p[1].revents & POLLIN))
      return;
    int fd = ::accept4(listener_.get(), nullptr, nullptr, SOCK_CLOEXEC);
    if (fd < 0)
      continue;
    net::tune_socket(fd);
    auto peer = net::peer_name(fd);
    std::lock_guard lock{mutex_};
    if (stopping_) {
      ::close(fd);
      return;
    }
    if (open_.size() >= max_connections) {
      spdlog::warn("troupe worker {}: data path: refused a connection from {}: {} are open",
                   owner_, peer, open_.size());
      ::close(fd);
      continue;
    }
    open_.push_back(fd);
    try {
      std::thread([this, fd, peer] {
        serve(fd, peer);
        std::lock_guard lock{mutex_};
        open_.erase(std::remove(open_.begin(), open_.end(), fd), open_.end());
        ::close(fd);
        all_closed_.notify_all();  // under the lock: stop() cannot return before
      }).detach();
    } catch (const std::system_error& e) {
      spdlog::warn("troupe worker {}: data path: refused a connection from {}: {}", owner_, peer,
                   e.what());
      open_.pop_back();
      ::close(fd);
    }
  }
}

void data_server::serve(int fd, const std::string& peer) {
  auto drop = [&](const std::string& why) {
    spdlog::warn("troupe worker {}: data path: dropped a peer at {} that sent a bad frame: {}",
                 owner_, peer, why);
  };
  char head[sizeof(wire::request_header)];
  try {
    while (!stopping_) {
      if (!net::wait_readable(fd, net::clock::now() + idle_poll))
        continue;
      std::size_t got = 0;
      if (!net::read_exact(fd, head, sizeof head, net::clock::now() + frame_timeout_, &got)) {
        if (got > 0 && !stopping_)
          drop("it hung up after " + std::to_string(got) + " of the "
               + std::to_string(sizeof head) + " header bytes");
        return;  // else: the peer closed an idle connection
      }
      auto h = wire::read_request_header({head, sizeof head});
      if (auto why = wire::check(h); !why.empty()) {
        drop(why);
        return;
      }
      if (!answer(fd, h.nkeys))
        return;
    }
  } catch (const timeout_error&) {
    spdlog::warn("troupe worker {}: data path: dropped a peer at {} that left a frame "
                 "unfinished for {} ms",
                 owner_, peer, frame_timeout_.count());
  } catch (const std::exception& e) {
    spdlog::warn("troupe worker {}: data path: connection from {} dropped: {}", owner_, peer,
                 e.what());
  }
}

bool data_server::answer(int fd, std::uint32_t nkeys) {
  auto deadline = net::clock::now() + frame_timeout_;
  std::string raw(std::size_t{nkeys} * 8, '\0');
  if (!net::read_exact(fd, raw.data(), raw.size(), deadline))
    return false;
  auto keys = wire::read_u64s(raw, nkeys);
  // Sizes first (the table goes before the bytes), then each result is
  // written straight from the store under its read lock: no copy.
  std::vector<std::uint64_t> found, lengths, missing;
  for (auto k : keys) {
    bool ok = store_.read(k, [&](std::string_view b) { lengths.push_back(b.size()); });
    (ok ? found : missing).push_back(k);
  }
  auto head = wire::encode_response_head(found, lengths, missing);
  if (!net::write_all(fd, head.data(), head.size(), deadline))
    return false;
  for (std::size_t i = 0; i < found.size(); ++i) {
    bool ok = true;
    bool present = store_.read(found[i], [&](std::string_view b) {
      // The value may have been replaced in between (same key, same bytes
      // for pure tasks); never send a length other than announced.
      if (b.size() != lengths[i]) {
        ok = false;
        return;
      }
      ok = net::write_all(fd, b.data(), b.size(), net::clock::now() + frame_timeout_);
    });
    if (!present || !ok)
      return false;  // freed meanwhile: the peer sees a closed connection and asks again
    bytes_sent_.fetch_add(lengths[i], std::memory_order_relaxed);
  }
  return true;
}

} // namespace troupe::internal
