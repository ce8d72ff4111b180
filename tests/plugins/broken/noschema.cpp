// The C++ helper with an empty schema: TROUPE_PLUGIN takes no option list.
#include <troupe/sdk/plugin.hpp>

namespace {

class quiet_backend : public troupe::sdk::backend {
public:
  quiet_backend(const troupe::sdk::host_api& host, const troupe::sdk::options&) : backend(host) {}
  void start_workers(const troupe::sdk::launch_spec&, std::uint32_t n) override { requested_ += n; }
  void scale(const troupe::sdk::launch_spec&, std::uint32_t n) override { requested_ = n; }
  void stop_worker(const std::string&) override {}
  void stop_all() override { requested_ = 0; }
  troupe::sdk::status status() override {
    troupe::sdk::status s;
    s.requested = requested_;
    return s;
  }

private:
  std::uint32_t requested_ = 0;
};

} // namespace

TROUPE_PLUGIN(quiet_backend, "noschema", "a plugin without options")
