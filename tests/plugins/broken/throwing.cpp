// A plugin built with the C++ helper whose methods throw: the helper must
// turn every exception into the call's troupe_error.
#include <stdexcept>

#include <troupe/sdk/plugin.hpp>

namespace {

class throwing_backend : public troupe::sdk::backend {
public:
  throwing_backend(const troupe::sdk::host_api& host, const troupe::sdk::options& opts)
    : backend(host), limit_(opts.get_bytes("limit", 0)) {
    if (opts.get_bool("fail_create", false))
      throw std::invalid_argument("throwing: create was asked to fail");
    host.info("throwing: created with limit " + std::to_string(limit_));
  }
  void start_workers(const troupe::sdk::launch_spec& spec, std::uint32_t) override {
    throw std::runtime_error("throwing: cannot start workers for " + spec.scheduler_address);
  }
  void scale(const troupe::sdk::launch_spec&, std::uint32_t) override { throw 42; }
  void stop_worker(const std::string& id) override {
    throw troupe::sdk::plugin_error(TROUPE_ERR_UNKNOWN_WORKER, "throwing: no worker " + id);
  }
  void stop_all() override {}
  troupe::sdk::status status() override {
    troupe::sdk::status s;
    s.requested = static_cast<std::uint32_t>(limit_ / 1024);
    s.workers.push_back({"t-0", troupe::sdk::worker_state::running, 17, 0});
    return s;
  }

private:
  std::uint64_t limit_;
};

} // namespace

TROUPE_PLUGIN(throwing_backend, "throwing", "throws from every call",
              troupe::sdk::bool_option("fail_create", "false", "create throws"),
              troupe::sdk::bytes_option("limit", "2 KiB", "a size"))
