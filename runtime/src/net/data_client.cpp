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
    auto req = wire::encode_request(keys);
    char head[sizeof(wire::response_header)];
    if (!net::write_all(fd.get(), req.data(), req.size(), deadline)
        || !net::read_exact(fd.get(), head, sizeof head, deadline)) {
      if (!fresh)
        continue;
      throw connection_error("troupe: worker at " + address + " closed the data connection");
    }
    auto h = wire::read_response_header({head, sizeof head});
    if (auto why = wire::check(h, keys.size()); !why.empty())
      throw connection_error("troupe: worker at " + address + " answered with a bad frame: "
                             + why);
    std::string tables(wire::tables_size(h), '\0');
    wire::response got;
    std::uint64_t total = 0;
    if (!net::read_exact(fd.get(), tables.data(), tables.size(), deadline))
      throw connection_error("troupe: worker at " + address
                             + " hung up while sending results (it may have freed them or died)");
    if (auto why = wire::read_tables(h, tables, got, total); !why.empty())
      throw connection_error("troupe: worker at " + address + " answered with a bad frame: "
                             + why);
    try {
      got.data.resize(static_cast<std::size_t>(total));
    } catch (const std::bad_alloc&) {
      throw connection_error("troupe: worker at " + address + " announced " + std::to_string(total)
                             + " bytes of results: cannot allocate them");
    }
    if (!net::read_exact(fd.get(), got.data.data(), got.data.size(), deadline))
      throw connection_error("troupe: worker at " + address
                             + " hung up while sending results (it may have freed them or died)");
    proto::fetched out;
    out.keys = std::move(got.keys);
    out.data_end = std::move(got.data_end);
    out.data = std::move(got.data);
    out.missing = std::move(got.missing);
    checkin(address, std::move(fd));
    return out;
  }
}

} // namespace troupe::internal
