// libFuzzer: bytes decoded as troupe's messages the way they arrive over
// BASP. The first byte picks one type of the `troupe` type-ID block, or,
// past the last, the payload of a BASP direct, routed or down message. The
// rest is fed to caf::binary_deserializer. A BASP payload is first checked
// as net/basp_guard does (basp_payload::check) and decoded by CAF only when
// it passes, as in a node: CAF must not throw then. A troupe message that
// decodes is checked with proto::check; one that passes is then indexed the
// way its receiver indexes it, and every index must be in bounds (a check
// that lets a bad message through is a crash here, not only under ASan).
//
//   troupe_fuzz_proto --write-seeds=DIR   writes valid messages to start from
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <fstream>
#include <string>
#include <utility>

#include <caf/actor_system.hpp>
#include <caf/actor_system_config.hpp>
#include <caf/atom.hpp>
#include <caf/binary_deserializer.hpp>
#include <caf/binary_serializer.hpp>
#include <caf/message.hpp>

#include "seed_flag.hpp"
#include "net/basp_payload.hpp"
#include "protocol/messages.hpp"
#include "protocol/validate.hpp"

namespace proto = troupe::internal::proto;

namespace {

#define REQUIRE(cond)                                                                       \
  do {                                                                                      \
    if (!(cond)) {                                                                          \
      std::fprintf(stderr, "%s:%d: a checked message breaks: %s\n", __FILE__, __LINE__, #cond); \
      std::abort();                                                                         \
    }                                                                                       \
  } while (false)

// One actor system for the process: actor handles inside messages need one
// to decode. One thread, no polling: it only gives the deserializer a context.
// Never destroyed: the fuzzer exits from anywhere.
caf::actor_system& system() {
  static caf::actor_system* sys = [] {
    auto* cfg = new caf::actor_system_config;
    cfg->add_message_types<caf::id_block::troupe>();
    cfg->set("scheduler.max-threads", 1);
    cfg->set("scheduler.policy", caf::atom("sharing"));
    return new caf::actor_system{*cfg};
  }();
  return *sys;
}

// -- what receivers do with a message that passed its check -----------------

template <class Offsets>
void require_slices(const Offsets& ends, std::size_t n, std::size_t total) {
  REQUIRE(ends.size() == n);
  std::uint64_t begin = 0;
  for (auto end : ends) {
    REQUIRE(begin <= end && end <= total);
    begin = end;
  }
}

template <class Msg>
void require_results(const Msg& m) {
  require_slices(m.data_end, m.keys.size(), m.data.size());
  for (std::size_t i = 0; i < m.keys.size(); ++i) {
    auto bytes = proto::data_of(m, i);
    REQUIRE(bytes.data() >= m.data.data() && bytes.data() + bytes.size() <= m.data.data() + m.data.size());
  }
}

template <class T>
void use(const T&) {}

void use(const troupe::detail::task_batch& b) {
  std::size_t n = b.keys.size();
  for (std::size_t i = 0; i < n; ++i)
    REQUIRE(b.function[i] < b.functions.size() && i < b.retries.size());
  require_slices(b.arg_end, n, b.args.size());
  require_slices(b.dep_end, n, b.deps.size());
}

void use(const proto::submit& m) { use(m.batch); }

void use(const proto::run_batch& b) {
  std::size_t n = b.keys.size();
  for (std::size_t i = 0; i < n; ++i)
    REQUIRE(b.function[i] < b.functions.size() && i < b.tickets.size());
  require_slices(b.arg_end, n, b.args.size());
  require_slices(b.dep_end, n, b.deps.size());
  REQUIRE(b.dep_holder.size() == b.deps.size());
}

void use(const proto::done_batch& b) {
  for (std::size_t i = 0; i < b.keys.size(); ++i)
    REQUIRE(i < b.tickets.size() && i < b.outcomes.size() && i < b.nbytes.size()
            && i < b.duration_ns.size());
  require_results(b);
}

void use(const proto::key_updates& u) {
  for (std::size_t i = 0; i < u.keys.size(); ++i)
    REQUIRE(i < u.status.size() && i < u.holder.size());
  require_results(u);
}

void use(const proto::worker_directory& d) {
  for (std::size_t i = 0; i < d.ids.size(); ++i) {
    REQUIRE(i < d.names.size() && i < d.actors.size());
    REQUIRE(d.data_addresses.empty() || i < d.data_addresses.size());
    REQUIRE(d.build_ids.empty() || i < d.build_ids.size());
  }
}

void use(const proto::acquired& a) {
  for (std::size_t i = 0; i < a.keys.size(); ++i)
    REQUIRE(i < a.nbytes.size());
}

void use(const proto::scatter& m) { require_results(m); }
void use(const proto::store_keys& m) { require_results(m); }
void use(const proto::fetched& m) { require_results(m); }
void use(const proto::fetch_done& m) { require_results(m.got); }

void use(const proto::cluster_snapshot& s) {
  for (std::size_t i = 0; i < s.ids.size(); ++i)
    REQUIRE(i < s.names.size() && i < s.nthreads.size() && i < s.memory_limit.size()
            && i < s.managed_bytes.size() && i < s.n_keys.size() && i < s.processing.size()
            && i < s.retiring.size() && i < s.data_addresses.size());
  REQUIRE(s.task_counts.size() == 6);
}

template <class T>
void check_and_use(const T& x) {
  if (proto::check(x).empty())
    use(x);
}

// -- decoding -------------------------------------------------------------------

constexpr caf::type_id_t first = caf::id_block::troupe::begin;
constexpr caf::type_id_t count = caf::id_block::troupe::end - caf::id_block::troupe::begin;

template <caf::type_id_t I>
void decode_as(const char* data, std::size_t size) {
  typename caf::type_by_id<I>::type x;
  caf::binary_deserializer source{system(), data, size};
  if (!source(x))
    check_and_use(x);
}

// As a node decodes a BASP payload: the guard's check, then, if it passes,
// what CAF decodes (node ids, the forwarding stack, a type-erased message
// whose element types are named in the bytes; or a down message's reason).
template <caf::type_id_t I>
void use_if(const caf::message& msg) {
  using T = typename caf::type_by_id<I>::type;
  if (msg.match_elements<T>())
    check_and_use(msg.get_as<T>(0));
}

template <caf::type_id_t... Is>
void decode_payload(std::uint8_t operation, const char* data, std::size_t size,
                    std::integer_sequence<caf::type_id_t, Is...>) {
  if (!troupe::internal::basp_payload::check(operation, {data, size}).empty())
    return;  // the guard drops the peer: CAF never sees these bytes
  caf::binary_deserializer source{system(), data, size};
  caf::node_id from, to;
  if (operation == troupe::internal::basp_payload::down_message) {
    caf::error reason;
    (void)source(from, to, reason);
    return;
  }
  if (operation == troupe::internal::basp_payload::routed_message && source(from, to))
    return;
  std::vector<caf::strong_actor_ptr> stack;
  caf::message msg;
  if (!source(stack, msg))
    (use_if<first + Is>(msg), ...);
}

template <caf::type_id_t... Is>
void decode(std::uint8_t which, const char* data, std::size_t size,
            std::integer_sequence<caf::type_id_t, Is...> ids) {
  using decoder = void (*)(const char*, std::size_t);
  static constexpr decoder table[] = {&decode_as<first + Is>...};
  namespace bp = troupe::internal::basp_payload;
  if (which < count)
    table[which](data, size);
  else if (which == count + 1)
    decode_payload(bp::routed_message, data, size, ids);
  else if (which == count + 2)
    decode_payload(bp::down_message, data, size, ids);
  else
    decode_payload(bp::direct_message, data, size, ids);
}

// -- seeds ------------------------------------------------------------------------

template <class... Ts>
std::string serialize(const Ts&... xs) {
  std::vector<char> buf;
  caf::binary_serializer sink{system(), buf};
  if (sink(const_cast<Ts&>(xs)...))
    std::abort();
  return {buf.begin(), buf.end()};
}

void write_file(const std::string& dir, int& n, char which, const std::string& bytes) {
  std::ofstream{dir + "/seed-" + std::to_string(n++), std::ios::binary} << which << bytes;
}

// The message alone, and as the payload of a direct BASP message.
template <class T>
void write_seed(const std::string& dir, int& n, const T& x) {
  write_file(dir, n, static_cast<char>(caf::type_id<T>::value - first), serialize(x));
  std::vector<caf::strong_actor_ptr> stack;
  write_file(dir, n, static_cast<char>(count), serialize(stack, caf::make_message(x)));
}

// Payloads of the other BASP messages: routed, a down message, an error reply.
void write_basp_seeds(const std::string& dir, int& n) {
  std::vector<caf::strong_actor_ptr> stack;
  auto node = system().node();
  write_file(dir, n, static_cast<char>(count + 1),
             serialize(node, node, stack, caf::make_message(proto::free_keys{{1, 2}})));
  caf::error reason = caf::make_error(caf::sec::request_receiver_down, std::string{"gone"});
  write_file(dir, n, static_cast<char>(count + 2), serialize(node, node, reason));
  write_file(dir, n, static_cast<char>(count), serialize(stack, caf::make_message(reason)));
  write_file(dir, n, static_cast<char>(count),
             serialize(stack, caf::make_message(std::uint32_t{7})));
}

void write_seeds(const std::string& dir) {
  int n = 0;
  troupe::detail::task_batch batch;
  batch.functions = {"square", "add"};
  batch.keys = {11, 12, 13};
  batch.function = {0, 0, 1};
  batch.args = "\x91\x03\x91\x04\x92\xc7\x08\x11";
  batch.arg_end = {2, 4, 8};
  batch.dep_end = {0, 0, 2};
  batch.deps = {11, 12};
  batch.retries = {3, 3, 3};
  batch.wanted = {13};
  write_seed(dir, n, proto::submit{1, batch});
  write_seed(dir, n, proto::scatter{1, {21, 22}, {3, 7}, "abcdefg"});
  write_seed(dir, n, proto::key_updates{{21, 22},
                                        {proto::key_status::memory_inline, proto::key_status::erred},
                                        {0, proto::no_worker},
                                        {3, 9},
                                        "abcdefghi"});
  write_seed(dir, n, proto::run_batch{{"square"}, {11, 12}, {0, 1}, {0, 0}, {2, 4}, "\x91\x03\x91\x04",
                                      {0, 1}, {5}, {1}});
  write_seed(dir, n, proto::done_batch{2, {11, 12}, {0, 1}, {proto::outcome::ok_inline, proto::outcome::failed},
                                       {1, 0}, {1000, 2000}, {1, 5}, "\x09" "abcd"});
  write_seed(dir, n, proto::acquired{2, {11, 12}, {100, 200}});
  write_seed(dir, n, proto::fetched{{11}, {4}, "abcd", {12}});
  write_seed(dir, n, proto::store_keys{{11, 12}, {2, 4}, "abcd"});
  write_seed(dir, n, proto::worker_directory{{0, 1}, {"w0", "w1"}, {caf::actor{}, caf::actor{}},
                                             {"127.0.0.1:4000", ""}, {"b1", "b1"}});
  proto::cluster_snapshot snap{{0}, {"w0"}, {2}, {1 << 30}, {4096}, {3}, {1}, {0},
                               {"127.0.0.1:4000"}, {1, 2, 3, 4, 5, 6}};
  write_seed(dir, n, snap);
  write_seed(dir, n, proto::holders{{0, 1, proto::no_worker}});
  write_seed(dir, n, proto::worker_hello{"w0", 2, 1 << 30, caf::actor{}, "127.0.0.1:4000",
                                         {"square"}, "b1"});
  write_basp_seeds(dir, n);
}

} // namespace

extern "C" int LLVMFuzzerInitialize(int* argc, char*** argv) {
  write_seeds_if_asked(*argc, *argv, write_seeds);
  system();
  return 0;
}

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  if (size == 0)
    return 0;
  decode(data[0], reinterpret_cast<const char*>(data + 1), size - 1,
         std::make_integer_sequence<caf::type_id_t, count>{});
  return 0;
}
