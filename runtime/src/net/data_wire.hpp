// The data path between workers (and from workers to clients): results move
// over plain TCP, peer to peer, never through the scheduler and never through
// CAF's BASP (which copies each message several times: ~0.5 GB/s here,
// against ~4 GB/s for a plain socket).
//
// Frames (little-endian, fixed header, then arrays):
//   request:  magic u32 | version u16 | op u16 | nkeys u32 | keys u64[nkeys]
//   response: magic u32 | version u16 | status u16 | nfound u32 | nmissing u32
//             | found keys u64[nfound] | lengths u64[nfound] | missing u64[nmissing]
//             | bytes of the found results, concatenated
// A frame with a wrong magic or version, too many keys or a result larger
// than the limit is refused: the connection is closed and the event logged.
#pragma once

#include <cstdint>

namespace troupe::internal::wire {

constexpr std::uint32_t magic = 0x44505254;  // "TRPD"
constexpr std::uint16_t version = 1;
constexpr std::uint16_t op_fetch = 1;
constexpr std::uint32_t max_keys = 1u << 20;
constexpr std::uint64_t max_result_bytes = 1ull << 36;  // 64 GiB: above is garbage

#pragma pack(push, 1)
struct request_header {
  std::uint32_t magic;
  std::uint16_t version;
  std::uint16_t op;
  std::uint32_t nkeys;
};
struct response_header {
  std::uint32_t magic;
  std::uint16_t version;
  std::uint16_t status;  // 0 ok
  std::uint32_t nfound;
  std::uint32_t nmissing;
};
#pragma pack(pop)

} // namespace troupe::internal::wire
