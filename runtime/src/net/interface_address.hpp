// The IPv4 address of a network interface, for the --interface flags of
// `troupe worker` and `troupe scheduler` (Dask's --interface): on a cluster
// the fast network (ib0) often has a name but no host name of its own.
#pragma once

#include <string>

namespace troupe::internal {

/// The first IPv4 address of interface `name`; usage_error naming
/// `command`, the interface and the interfaces there are when it has none.
std::string interface_address(const std::string& command, const std::string& name);

} // namespace troupe::internal
