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
//
// Encoding and decoding are pure functions over byte buffers, shared by the
// socket code (data_server, data_client) and the fuzzer (tests/fuzz).
#pragma once

#include <bit>
#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

namespace troupe::internal::wire {

static_assert(std::endian::native == std::endian::little,
              "the data path copies integers as they are in memory: little-endian hosts only");

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

/// A decoded response: the found results as one buffer with end offsets,
/// in the order the server sent them.
struct response {
  std::vector<std::uint64_t> keys;
  std::vector<std::uint64_t> data_end;
  std::string data;
  std::vector<std::uint64_t> missing;
};

// -- encoding ----------------------------------------------------------------

/// A whole request frame.
std::string encode_request(const std::vector<std::uint64_t>& keys);

/// A response's header and tables; the result bytes follow it on the wire.
std::string encode_response_head(const std::vector<std::uint64_t>& found,
                                 const std::vector<std::uint64_t>& lengths,
                                 const std::vector<std::uint64_t>& missing);

// -- decoding, step by step (what the socket code reads) ---------------------

/// Copies a header out of `bytes`, which must hold at least its size.
request_header read_request_header(std::string_view bytes);
response_header read_response_header(std::string_view bytes);

/// Why a request header is refused; empty when it is acceptable.
std::string check(const request_header& h);

/// Why a response header is refused, for a request of `nasked` keys; empty
/// when it is acceptable. The server answers each key as found or missing.
std::string check(const response_header& h, std::size_t nasked);

/// Bytes of keys following an accepted request header.
inline std::size_t keys_size(const request_header& h) { return std::size_t{h.nkeys} * 8; }

/// Bytes of the tables following an accepted response header.
inline std::size_t tables_size(const response_header& h) {
  return (std::size_t{h.nfound} * 2 + h.nmissing) * 8;
}

/// Decodes `n` little-endian u64 from `bytes` (at least 8 n bytes).
std::vector<std::uint64_t> read_u64s(std::string_view bytes, std::size_t n);

/// Fills keys, data_end and missing from the tables of an accepted header;
/// returns why they are refused (a length over the limit), else empty.
/// `total` receives the number of result bytes that follow.
std::string read_tables(const response_header& h, std::string_view tables, response& out,
                        std::uint64_t& total);

// -- decoding a whole frame (what the fuzzer feeds) ---------------------------

/// Outcome of decoding a frame from the start of a buffer.
struct parse_status {
  enum kind { ok, need_more, refused } state = need_more;
  std::size_t size = 0;  // ok: bytes the frame took; need_more: bytes needed in all
  std::string error;     // refused: why
};

/// A request frame: its keys.
parse_status parse_request(std::string_view bytes, std::vector<std::uint64_t>& keys);

/// A response frame to a request of `nasked` keys.
parse_status parse_response(std::string_view bytes, std::size_t nasked, response& out);

} // namespace troupe::internal::wire
