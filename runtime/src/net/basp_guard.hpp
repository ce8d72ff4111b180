// Guards this node's CAF connections (BASP over TCP) against peers that
// misbehave. On its own, CAF 0.17 closes a connection with a malformed
// header without a word (its logger is compiled out in Debian's build),
// trusts the payload length of any header (it allocates and zeroes a buffer
// of that size, up to 4 GiB, before a byte of payload arrives) and waits
// forever for a peer that never completes its handshake.
//
// CAF lets an application bring its own network backend
// (`cfg.load<middleman, Backend>()`). Ours is CAF's default multiplexer whose
// connections (scribes) read each BASP header before CAF does, and drop the
// peer, with a log line, when:
//   - the header is one CAF would refuse (garbage, another BASP version);
//   - the first message is not a handshake;
//   - the payload announced is over network.max_message_size;
//   - a handshake's payload does not decode;
//   - a message holds a type troupe does not exchange (net/basp_payload.hpp:
//     some of CAF's own types throw while decoding bad bytes, which ends the
//     process);
//   - the handshake is not complete within network.handshake_timeout.
// Dropping means shutting the socket down: CAF then sees the connection
// close and cleans up as for any peer that hung up.
//
// A node of another troupe protocol version is refused by CAF itself, on the
// connecting side: it sends its handshake (which in CAF 0.17 carries no
// identifier), reads ours, finds no common identifier and hangs up. All the
// listening side can see is a peer that hangs up right after its handshake,
// before any message; the guard logs that, and a peer that hangs up before
// its handshake. On the connecting side it logs the identifiers it was offered.
#pragma once

#include <string>

#include <caf/fwd.hpp>

namespace troupe::internal {

/// Loads CAF's middleman with the guarded network backend.
void load_guarded_middleman(caf::actor_system_config& cfg);

/// Names this process in the guard's log lines ("scheduler", "worker w1").
void set_node_role(std::string role);

} // namespace troupe::internal
