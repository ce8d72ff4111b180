// libFuzzer: bytes decoded as data-path frames (net/data_wire), as a worker's
// data server reads requests and a client reads responses. The first byte
// picks requests or responses and, for responses, how many keys were asked.
// A frame that decodes must encode back to the same bytes, and its tables
// must describe exactly the bytes that follow.
//
//   troupe_fuzz_data_wire --write-seeds=DIR   writes valid frames to start from
#include <cstdio>
#include <cstdlib>
#include <fstream>
#include <string>
#include <string_view>

#include "seed_flag.hpp"
#include "net/data_wire.hpp"

namespace wire = troupe::internal::wire;

namespace {

#define REQUIRE(cond)                                                                       \
  do {                                                                                      \
    if (!(cond)) {                                                                          \
      std::fprintf(stderr, "%s:%d: a decoded frame breaks: %s\n", __FILE__, __LINE__, #cond); \
      std::abort();                                                                         \
    }                                                                                       \
  } while (false)

void fuzz_request(std::string_view bytes) {
  std::vector<std::uint64_t> keys;
  auto r = wire::parse_request(bytes, keys);
  if (r.state == wire::parse_status::need_more) {
    REQUIRE(r.size > bytes.size());
    return;
  }
  if (r.state == wire::parse_status::refused) {
    REQUIRE(!r.error.empty());
    return;
  }
  REQUIRE(r.size <= bytes.size());
  REQUIRE(wire::encode_request(keys) == bytes.substr(0, r.size));
}

void fuzz_response(std::string_view bytes, std::size_t nasked) {
  wire::response got;
  auto r = wire::parse_response(bytes, nasked, got);
  if (r.state == wire::parse_status::need_more) {
    REQUIRE(r.size > bytes.size());
    return;
  }
  if (r.state == wire::parse_status::refused) {
    REQUIRE(!r.error.empty());
    return;
  }
  REQUIRE(r.size <= bytes.size());
  REQUIRE(got.keys.size() + got.missing.size() == nasked);
  REQUIRE(got.data_end.size() == got.keys.size());
  std::vector<std::uint64_t> lengths;
  std::uint64_t begin = 0;
  for (auto end : got.data_end) {
    REQUIRE(begin <= end);
    lengths.push_back(end - begin);
    begin = end;
  }
  REQUIRE(begin == got.data.size());
  auto encoded = wire::encode_response_head(got.keys, lengths, got.missing) + got.data;
  REQUIRE(encoded == bytes.substr(0, r.size));
}

// The first byte: bit 0 requests or responses, the rest keys asked (0-127).
std::string tagged(bool response, std::size_t nasked, const std::string& frame) {
  return std::string(1, static_cast<char>((nasked << 1) | (response ? 1 : 0))) + frame;
}

void write_seeds(const std::string& dir) {
  int n = 0;
  auto write = [&](const std::string& bytes) {
    std::ofstream{dir + "/seed-" + std::to_string(n++), std::ios::binary} << bytes;
  };
  write(tagged(false, 0, wire::encode_request({})));
  write(tagged(false, 0, wire::encode_request({1, 2, 0xfeedfacecafebeefull})));
  write(tagged(true, 0, wire::encode_response_head({}, {}, {})));
  write(tagged(true, 3, wire::encode_response_head({1, 3}, {4, 0}, {2}) + "abcd"));
  write(tagged(true, 2, wire::encode_response_head({}, {}, {7, 8})));
  write(tagged(true, 1, wire::encode_response_head({9}, {5}, {}) + "hello"));
}

} // namespace

extern "C" int LLVMFuzzerInitialize(int* argc, char*** argv) {
  write_seeds_if_asked(*argc, *argv, write_seeds);
  return 0;
}

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  if (size == 0)
    return 0;
  std::string_view bytes{reinterpret_cast<const char*>(data + 1), size - 1};
  if (data[0] & 1)
    fuzz_response(bytes, data[0] >> 1);
  else
    fuzz_request(bytes);
  return 0;
}
