#include "net/data_wire.hpp"

#include <cstdio>
#include <cstring>

namespace troupe::internal::wire {

namespace {

template <class T>
void append_raw(std::string& out, const T* data, std::size_t n) {
  if (n > 0)
    out.append(reinterpret_cast<const char*>(data), n * sizeof(T));
}

std::string hex(std::uint32_t x) {
  char buf[16];
  std::snprintf(buf, sizeof buf, "%#x", x);
  return buf;
}

std::string str(std::uint64_t x) { return std::to_string(x); }

} // namespace

std::string encode_request(const std::vector<std::uint64_t>& keys) {
  request_header h{magic, version, op_fetch, static_cast<std::uint32_t>(keys.size())};
  std::string out;
  out.reserve(sizeof h + keys.size() * 8);
  append_raw(out, &h, 1);
  append_raw(out, keys.data(), keys.size());
  return out;
}

std::string encode_response_head(const std::vector<std::uint64_t>& found,
                                 const std::vector<std::uint64_t>& lengths,
                                 const std::vector<std::uint64_t>& missing) {
  response_header r{magic, version, 0, static_cast<std::uint32_t>(found.size()),
                    static_cast<std::uint32_t>(missing.size())};
  std::string out;
  out.reserve(sizeof r + (found.size() + lengths.size() + missing.size()) * 8);
  append_raw(out, &r, 1);
  append_raw(out, found.data(), found.size());
  append_raw(out, lengths.data(), lengths.size());
  append_raw(out, missing.data(), missing.size());
  return out;
}

request_header read_request_header(std::string_view bytes) {
  request_header h{};
  std::memcpy(&h, bytes.data(), sizeof h);
  return h;
}

response_header read_response_header(std::string_view bytes) {
  response_header h{};
  std::memcpy(&h, bytes.data(), sizeof h);
  return h;
}

std::string check(const request_header& h) {
  if (h.magic != magic)
    return "magic " + hex(h.magic) + " is not a troupe data frame";
  if (h.version != version)
    return "data path version " + str(h.version) + ", this node speaks " + str(version);
  if (h.op != op_fetch)
    return "unknown operation " + str(h.op);
  if (h.nkeys > max_keys)
    return str(h.nkeys) + " keys, the limit is " + str(max_keys);
  return {};
}

std::string check(const response_header& h, std::size_t nasked) {
  if (h.magic != magic)
    return "magic " + hex(h.magic) + " is not a troupe data frame";
  if (h.version != version)
    return "data path version " + str(h.version) + ", this node speaks " + str(version);
  if (h.status != 0)
    return "status " + str(h.status);
  if (std::uint64_t{h.nfound} + h.nmissing != nasked)
    return str(h.nfound) + " found and " + str(h.nmissing) + " missing answer a request for "
           + str(nasked) + " keys";
  return {};
}

std::vector<std::uint64_t> read_u64s(std::string_view bytes, std::size_t n) {
  std::vector<std::uint64_t> out(n);
  if (n > 0)  // an empty vector's data() may be null: no memcpy from or to it
    std::memcpy(out.data(), bytes.data(), n * 8);
  return out;
}

std::string read_tables(const response_header& h, std::string_view tables, response& out,
                        std::uint64_t& total) {
  out.keys = read_u64s(tables, h.nfound);
  auto lengths = read_u64s(tables.substr(std::size_t{h.nfound} * 8), h.nfound);
  out.missing = read_u64s(tables.substr(std::size_t{h.nfound} * 16), h.nmissing);
  out.data_end.clear();
  out.data_end.reserve(h.nfound);
  total = 0;
  for (auto n : lengths) {
    // Each below the limit, so the sum of at most max_keys cannot wrap.
    if (n > max_result_bytes)
      return "a result of " + str(n) + " bytes, the limit is " + str(max_result_bytes);
    total += n;
    out.data_end.push_back(total);
  }
  if (total > max_result_bytes)
    return str(total) + " bytes of results, the limit is " + str(max_result_bytes);
  return {};
}

parse_status parse_request(std::string_view bytes, std::vector<std::uint64_t>& keys) {
  constexpr std::size_t head = sizeof(request_header);
  if (bytes.size() < head)
    return {parse_status::need_more, head, {}};
  auto h = read_request_header(bytes);
  if (auto why = check(h); !why.empty())
    return {parse_status::refused, 0, std::move(why)};
  std::size_t size = head + keys_size(h);
  if (bytes.size() < size)
    return {parse_status::need_more, size, {}};
  keys = read_u64s(bytes.substr(head), h.nkeys);
  return {parse_status::ok, size, {}};
}

parse_status parse_response(std::string_view bytes, std::size_t nasked, response& out) {
  constexpr std::size_t head = sizeof(response_header);
  if (bytes.size() < head)
    return {parse_status::need_more, head, {}};
  auto h = read_response_header(bytes);
  if (auto why = check(h, nasked); !why.empty())
    return {parse_status::refused, 0, std::move(why)};
  std::size_t size = head + tables_size(h);
  if (bytes.size() < size)
    return {parse_status::need_more, size, {}};
  std::uint64_t total = 0;
  if (auto why = read_tables(h, bytes.substr(head, tables_size(h)), out, total); !why.empty())
    return {parse_status::refused, 0, std::move(why)};
  // Compared before adding: `total` may exceed what size_t sums hold safely.
  if (total > bytes.size() - size)
    return {parse_status::need_more, static_cast<std::size_t>(size + total), {}};
  out.data.assign(bytes.data() + size, static_cast<std::size_t>(total));
  return {parse_status::ok, static_cast<std::size_t>(size + total), {}};
}

} // namespace troupe::internal::wire
