// The machine's network interfaces and their IPv4 addresses, for plugins
// (and troupe itself) that place a scheduler or workers on a named
// interface such as ib0, as Dask's `interface` option does. Header-only
// C++ over POSIX getifaddrs; nothing of it crosses the plugin ABI.
#pragma once

#include <string>
#include <utility>
#include <vector>

#include <arpa/inet.h>
#include <ifaddrs.h>
#include <netinet/in.h>

namespace troupe::sdk {

/// (interface name, IPv4 address) for each address, in the system's order;
/// empty when the interfaces cannot be listed.
inline std::vector<std::pair<std::string, std::string>> ipv4_interfaces() {
  std::vector<std::pair<std::string, std::string>> out;
  ifaddrs* list = nullptr;
  if (::getifaddrs(&list) != 0)
    return out;
  for (auto* a = list; a; a = a->ifa_next) {
    if (!a->ifa_addr || a->ifa_addr->sa_family != AF_INET)
      continue;
    char text[INET_ADDRSTRLEN] = {0};
    ::inet_ntop(AF_INET, &reinterpret_cast<sockaddr_in*>(a->ifa_addr)->sin_addr, text,
                sizeof text);
    out.emplace_back(a->ifa_name, text);
  }
  ::freeifaddrs(list);
  return out;
}

/// The first IPv4 address of interface `name`; "" when it has none.
inline std::string ipv4_address_of(const std::string& name) {
  for (auto& [n, address] : ipv4_interfaces())
    if (n == name)
      return address;
  return {};
}

}  // namespace troupe::sdk
