#include "net/interface_address.hpp"

#include <troupe/sdk/interfaces.hpp>

#include "process/parse_args.hpp"

namespace troupe::internal {

std::string interface_address(const std::string& command, const std::string& name) {
  if (auto found = sdk::ipv4_address_of(name); !found.empty())
    return found;
  std::string known;
  for (auto& [n, address] : sdk::ipv4_interfaces())
    known += (known.empty() ? "" : ", ") + n;
  throw usage_error(command + ": --interface " + name
                    + ": no such interface with an IPv4 address (there are: " + known + ")");
}

} // namespace troupe::internal
