#include "net/data_server.hpp"

#include <algorithm>
#include <cstring>

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

// A peer may keep a connection open and idle for reuse; a frame once begun
// must arrive within this time.
constexpr auto frame_timeout = std::chrono::seconds(30);
constexpr auto idle_poll = std::chrono::milliseconds(500);

} // namespace

data_server::data_server(const worker_store& store, const std::string& host, std::string owner)
  : store_(store), owner_(std::move(owner)) {
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
  std::vector<std::thread> threads;
  {
    std::lock_guard lock{mutex_};
    for (int fd : open_)
      ::shutdown(fd, SHUT_RDWR);
    threads.swap(threads_);
  }
  for (auto& t : threads)
    t.join();
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
    std::lock_guard lock{mutex_};
    if (stopping_) {
      ::close(fd);
      return;
    }
    open_.push_back(fd);
    threads_.emplace_back([this, fd] {
      serve(fd);
      std::lock_guard lock{mutex_};
      open_.erase(std::remove(open_.begin(), open_.end(), fd), open_.end());
      ::close(fd);
    });
  }
}

void data_server::serve(int fd) {
  try {
    while (!stopping_) {
      if (!net::wait_readable(fd, net::clock::now() + idle_poll))
        continue;
      wire::request_header h{};
      if (!net::read_exact(fd, &h, sizeof h, net::clock::now() + frame_timeout))
        return;  // peer closed
      if (h.magic != wire::magic || h.version != wire::version || h.op != wire::op_fetch
          || h.nkeys > wire::max_keys) {
        spdlog::warn("troupe worker {}: data path: dropped a peer that sent a bad frame "
                     "(magic {:#x}, version {}, op {}, {} keys)",
                     owner_, h.magic, h.version, h.op, h.nkeys);
        return;
      }
      if (!answer(fd, h.nkeys))
        return;
    }
  } catch (const std::exception& e) {
    spdlog::warn("troupe worker {}: data path: connection dropped: {}", owner_, e.what());
  }
}

bool data_server::answer(int fd, std::uint32_t nkeys) {
  auto deadline = net::clock::now() + frame_timeout;
  std::vector<std::uint64_t> keys(nkeys);
  if (!net::read_exact(fd, keys.data(), keys.size() * 8, deadline))
    return false;
  // Sizes first (the table goes before the bytes), then each result is
  // written straight from the store under its read lock: no copy.
  std::vector<std::uint64_t> found, lengths, missing;
  for (auto k : keys) {
    bool ok = store_.read(k, [&](std::string_view b) { lengths.push_back(b.size()); });
    (ok ? found : missing).push_back(k);
  }
  wire::response_header r{wire::magic, wire::version, 0, static_cast<std::uint32_t>(found.size()),
                          static_cast<std::uint32_t>(missing.size())};
  std::string head(reinterpret_cast<const char*>(&r), sizeof r);
  head.append(reinterpret_cast<const char*>(found.data()), found.size() * 8);
  head.append(reinterpret_cast<const char*>(lengths.data()), lengths.size() * 8);
  head.append(reinterpret_cast<const char*>(missing.data()), missing.size() * 8);
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
      ok = net::write_all(fd, b.data(), b.size(), net::clock::now() + frame_timeout);
    });
    if (!present || !ok)
      return false;  // freed meanwhile: the peer sees a closed connection and asks again
    bytes_sent_.fetch_add(lengths[i], std::memory_order_relaxed);
  }
  return true;
}

} // namespace troupe::internal
