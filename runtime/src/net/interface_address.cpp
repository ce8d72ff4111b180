#include "net/interface_address.hpp"

#include <arpa/inet.h>
#include <ifaddrs.h>
#include <netinet/in.h>

#include "process/parse_args.hpp"

namespace troupe::internal {

std::string interface_address(const std::string& command, const std::string& name) {
  ifaddrs* list = nullptr;
  if (::getifaddrs(&list) != 0)
    throw usage_error(command + ": --interface: cannot list network interfaces");
  std::string found, known;
  for (auto* a = list; a; a = a->ifa_next) {
    if (!a->ifa_addr || a->ifa_addr->sa_family != AF_INET)
      continue;
    char text[INET_ADDRSTRLEN] = {0};
    ::inet_ntop(AF_INET, &reinterpret_cast<sockaddr_in*>(a->ifa_addr)->sin_addr, text,
                sizeof text);
    known += (known.empty() ? "" : ", ") + std::string{a->ifa_name};
    if (found.empty() && name == a->ifa_name)
      found = text;
  }
  ::freeifaddrs(list);
  if (found.empty())
    throw usage_error(command + ": --interface " + name
                      + ": no such interface with an IPv4 address (there are: " + known + ")");
  return found;
}

} // namespace troupe::internal
