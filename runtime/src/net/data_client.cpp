#include "net/data_client.hpp"

#include "net/data_wire.hpp"
#include "troupe/errors.hpp"

namespace troupe::internal {

data_client& data_client::shared() {
  static data_client instance;
  return instance;
}

net::fd_handle data_client::checkout(const std::string& address, net::clock::time_point deadline) {
  {
    std::lock_guard lock{mutex_};
    auto it = idle_.find(address);
    if (it != idle_.end() && !it->second.empty()) {
      auto fd = std::move(it->second.back());
      it->second.pop_back();
      return fd;
    }
  }
  auto [host, port] = net::split_address(address);
  return net::connect_to(host, port, deadline);
}

void data_client::checkin(const std::string& address, net::fd_handle fd) {
  std::lock_guard lock{mutex_};
  auto& pool = idle_[address];
  if (pool.size() < 8)
    pool.push_back(std::move(fd));
}

proto::fetched data_client::fetch(const std::string& address,
                                  const std::vector<std::uint64_t>& keys,
                                  std::chrono::nanoseconds timeout) {
  auto deadline = net::clock::now() + timeout;
  // A pooled connection may have been closed by the peer meanwhile: one retry
  // on a fresh connection.
  for (int attempt = 0;; ++attempt) {
    bool fresh = attempt > 0;
    net::fd_handle fd;
    if (fresh) {
      auto [host, port] = net::split_address(address);
      fd = net::connect_to(host, port, deadline);
    } else {
      fd = checkout(address, deadline);
    }
    wire::request_header h{wire::magic, wire::version, wire::op_fetch,
                           static_cast<std::uint32_t>(keys.size())};
    std::string req(reinterpret_cast<const char*>(&h), sizeof h);
    req.append(reinterpret_cast<const char*>(keys.data()), keys.size() * 8);
    wire::response_header r{};
    if (!net::write_all(fd.get(), req.data(), req.size(), deadline)
        || !net::read_exact(fd.get(), &r, sizeof r, deadline)) {
      if (!fresh)
        continue;
      throw connection_error("troupe: worker at " + address + " closed the data connection");
    }
    if (r.magic != wire::magic || r.version != wire::version || r.status != 0
        || r.nfound > keys.size() || r.nmissing > keys.size())
      throw connection_error("troupe: worker at " + address + " answered with a bad frame");
    proto::fetched out;
    out.keys.resize(r.nfound);
    std::vector<std::uint64_t> lengths(r.nfound);
    out.missing.resize(r.nmissing);
    bool ok = net::read_exact(fd.get(), out.keys.data(), r.nfound * 8, deadline)
              && net::read_exact(fd.get(), lengths.data(), r.nfound * 8, deadline)
              && net::read_exact(fd.get(), out.missing.data(), r.nmissing * 8, deadline);
    std::uint64_t total = 0;
    for (auto n : lengths) {
      if (n > wire::max_result_bytes)
        throw connection_error("troupe: worker at " + address + " announced a result of "
                               + std::to_string(n) + " bytes: refused");
      total += n;
      out.data_end.push_back(total);
    }
    if (ok) {
      out.data.resize(total);
      ok = net::read_exact(fd.get(), out.data.data(), total, deadline);
    }
    if (!ok)
      throw connection_error("troupe: worker at " + address
                             + " hung up while sending results (it may have freed them or died)");
    checkin(address, std::move(fd));
    return out;
  }
}

} // namespace troupe::internal
