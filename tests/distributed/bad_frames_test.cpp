// Peers that misbehave on the wire. A real `troupe scheduler` with two worker
// processes and a connected client; then raw TCP sockets send garbage,
// truncated, oversized or wrong-version frames to the scheduler (CAF's BASP,
// guarded by net/basp_guard) and to the workers' data servers
// (net/data_server). Each such peer is dropped with a log line, and the
// cluster keeps serving: the client's new tasks give the right results, and
// a new client (another process, so a new connection) gets in.
//
// Where CAF alone does not cope (each checked against libcaf 0.17.6 with the
// guard off): a handshake header announcing no payload crashes the process
// (a null pointer read); a header announcing 4 GiB makes it allocate and
// zero 4 GiB; a message holding a config_value with a bad variant index ends
// it (an exception on CAF's BASP thread); a malformed header or a peer that
// never finishes its handshake goes unnoticed. The guard reads every header,
// and the type names of every message, before CAF does.
#include <cerrno>
#include <csignal>
#include <iostream>
#include <numeric>
#include <random>
#include <set>

#include <poll.h>
#include <sys/socket.h>
#include <unistd.h>

#include <gtest/gtest.h>

#include <caf/actor_system.hpp>
#include <caf/actor_system_config.hpp>
#include <caf/binary_deserializer.hpp>
#include <caf/binary_serializer.hpp>
#include <caf/event_based_actor.hpp>
#include <caf/io/middleman.hpp>
#include <caf/send.hpp>

#include "net/data_wire.hpp"
#include "net/node.hpp"
#include "net/socket.hpp"
#include "process_cluster.hpp"
#include "protocol/messages.hpp"
#include "troupe/init.hpp"
#include "troupe/troupe.hpp"

namespace {

int square(int x) { return x * x; }
// A result too large to travel inline: clients fetch it from the worker's data server.
std::string payload(int n, int seed) {
  std::string s(static_cast<std::size_t>(n), '\0');
  for (std::size_t i = 0; i < s.size(); ++i)
    s[i] = static_cast<char>(seed * 31 + static_cast<int>(i));
  return s;
}
// Inputs from two workers meet: one moves worker to worker over the data path.
std::uint64_t digest(const std::string& a, const std::string& b) {
  std::uint64_t h = 1469598103934665603ull;
  for (char c : a + b)
    h = (h ^ static_cast<unsigned char>(c)) * 1099511628211ull;
  return h;
}

TROUPE_TASK(square, payload, digest);

namespace net = troupe::internal::net;
namespace wire = troupe::internal::wire;
namespace proto = troupe::internal::proto;
using troupe_test::child_process;
using troupe_test::process_cluster;
using namespace std::chrono_literals;

constexpr auto timeout = std::chrono::seconds(60);
constexpr auto log_wait = std::chrono::seconds(20);

// Short limits, so a silent peer is dropped within the test's patience, and
// a message over the limit is cheap to make (main sets the same limit for
// this process, the client).
constexpr const char* message_limit = "TROUPE_NETWORK__MAX_MESSAGE_SIZE=16 MiB";
const std::vector<std::string> short_limits{"TROUPE_NETWORK__HANDSHAKE_TIMEOUT=3 s",
                                            "TROUPE_NETWORK__FRAME_TIMEOUT=3 s", message_limit};

// A TCP connection that writes whatever it is told to.
class raw_peer {
public:
  explicit raw_peer(const std::string& address) {
    auto [host, port] = net::split_address(address);
    fd_ = net::connect_to(host, port, net::clock::now() + 10s);
  }
  bool send(std::string_view bytes) {
    return net::write_all(fd_.get(), bytes.data(), bytes.size(), net::clock::now() + 10s);
  }
  void close() { fd_.reset(); }
  /// Exactly n bytes, or empty when the connection ends first.
  std::string read(std::size_t n) {
    std::string out(n, '\0');
    if (!net::read_exact(fd_.get(), out.data(), n, net::clock::now() + 10s))
      return {};
    return out;
  }
  /// True when the other side closes the connection within `d`; what it
  /// sends meanwhile (a handshake) is read and discarded.
  bool closed_within(std::chrono::milliseconds d) {
    auto deadline = net::clock::now() + d;
    char buf[4096];
    for (;;) {
      ssize_t r = ::recv(fd_.get(), buf, sizeof buf, MSG_DONTWAIT);
      if (r == 0 || (r < 0 && (errno == ECONNRESET || errno == EPIPE)))
        return true;
      if (r > 0 || errno == EINTR)
        continue;
      if (!net::wait_readable(fd_.get(), deadline))
        return false;
    }
  }

private:
  net::fd_handle fd_;
};

// A BASP header as CAF 0.17 writes it: network byte order, 32 bytes.
std::string basp_header(std::uint8_t operation, std::uint32_t payload_len,
                        std::uint64_t operation_data = 0, std::uint64_t dest_actor = 0) {
  std::string h(32, '\0');
  h[0] = static_cast<char>(operation);
  for (int i = 0; i < 4; ++i)
    h[4 + i] = static_cast<char>(payload_len >> (24 - 8 * i));
  for (int i = 0; i < 8; ++i) {
    h[8 + i] = static_cast<char>(operation_data >> (56 - 8 * i));
    h[24 + i] = static_cast<char>(dest_actor >> (56 - 8 * i));
  }
  return h;
}
constexpr std::uint8_t client_handshake = 1;
constexpr std::uint8_t direct_message = 2;

template <class... Ts>
std::string caf_bytes(Ts&... xs) {
  std::vector<char> buf;
  caf::binary_serializer sink{static_cast<caf::execution_unit*>(nullptr), buf};
  if (sink(xs...))
    throw std::runtime_error("cannot serialize");
  return {buf.begin(), buf.end()};
}

std::string as_bytes(const wire::request_header& h) {
  return {reinterpret_cast<const char*>(&h), sizeof h};
}

class bad_frames : public ::testing::Test {
protected:
  void SetUp() override {
    pc_ = std::make_unique<process_cluster>(2, 1, std::vector<std::string>{}, short_limits);
    client_ = std::make_unique<troupe::client>(pc_->address, timeout);
    client_->wait_for_workers(2, timeout);
  }

  // The scheduler logs a line containing every needle.
  void expect_scheduler_log(const std::string& a, const std::string& b) {
    auto line = pc_->scheduler->wait_for_line(a, log_wait);
    ASSERT_TRUE(line) << "no '" << a << "' in the scheduler's output:\n"
                      << pc_->scheduler->output();
    EXPECT_NE(line->find(b), std::string::npos) << *line;
  }

  // Every process runs; the client's new tasks give the right answers; a
  // new client process connects and sees both workers.
  void expect_cluster_serves() {
    ASSERT_TRUE(pc_->scheduler->running()) << pc_->scheduler->output();
    for (auto& w : pc_->workers)
      ASSERT_TRUE(w->running()) << w->output();
    std::vector<int> xs(40);
    std::iota(xs.begin(), xs.end(), 1000 * ++round_);
    auto got = client_->gather(client_->map(square, xs), timeout);
    ASSERT_EQ(got.size(), xs.size());
    for (std::size_t i = 0; i < xs.size(); ++i)
      ASSERT_EQ(got[i], xs[i] * xs[i]);
    child_process info{{TROUPE_CLI_PATH, "info", pc_->address, "--timeout", "20 s"}};
    auto code = info.wait(std::chrono::seconds(30));
    ASSERT_EQ(code, 0) << info.output();
    EXPECT_NE(info.output().find("workers    2"), std::string::npos) << info.output();
  }

  // Results held by the workers, fetched by the client and by a worker
  // from the other: the data servers answer right.
  void expect_data_path_serves() {
    ++round_;
    std::vector<troupe::future<std::string>> parts;
    for (int i = 0; i < 6; ++i)
      parts.push_back(client_->submit(payload, 4096, round_ * 10 + i));
    std::vector<troupe::future<std::uint64_t>> digests;
    for (int i = 0; i + 1 < 6; ++i)
      digests.push_back(client_->submit(digest, parts[i], parts[i + 1]));
    auto got = client_->gather(parts, timeout);
    for (int i = 0; i < 6; ++i)
      ASSERT_EQ(got[i], payload(4096, round_ * 10 + i));
    auto sums = client_->gather(digests, timeout);
    for (int i = 0; i + 1 < 6; ++i)
      ASSERT_EQ(sums[i], digest(payload(4096, round_ * 10 + i), payload(4096, round_ * 10 + i + 1)));
  }

  std::vector<std::string> data_addresses() {
    std::vector<std::string> out;
    for (auto& w : client_->scheduler_info().workers)
      out.push_back(w.data_address);
    return out;
  }

  // Sends `frame` to every worker's data server; each drops the peer and
  // logs a line with `why`; then the data path still serves.
  void expect_data_servers_drop(const std::string& frame, const std::string& why) {
    expect_data_path_serves();
    auto addresses = data_addresses();
    ASSERT_EQ(addresses.size(), 2u);
    for (auto& a : addresses) {
      raw_peer peer{a};
      ASSERT_TRUE(peer.send(frame));
      EXPECT_TRUE(peer.closed_within(10s)) << "the worker at " << a << " kept the connection";
    }
    for (auto& w : pc_->workers) {
      auto line = w->wait_for_line("dropped a peer at 127.0.0.1:", log_wait);
      ASSERT_TRUE(line) << w->output();
      EXPECT_NE(line->find(why), std::string::npos) << *line;
    }
    expect_data_path_serves();
    expect_cluster_serves();
  }

  std::unique_ptr<process_cluster> pc_;
  std::unique_ptr<troupe::client> client_;
  int round_ = 0;
};

// -- the scheduler (BASP) -----------------------------------------------------

TEST_F(bad_frames, scheduler_drops_a_peer_that_sends_garbage) {
  std::mt19937 random{42};
  std::string garbage(64, '\0');
  for (auto& c : garbage)
    c = static_cast<char>(random());
  garbage[0] = '\xde';  // no BASP operation has this number
  raw_peer peer{pc_->address};
  ASSERT_TRUE(peer.send(garbage));
  EXPECT_TRUE(peer.closed_within(10s));
  expect_scheduler_log("dropped a peer at 127.0.0.1:", "malformed message header");
  expect_cluster_serves();
}

TEST_F(bad_frames, scheduler_drops_a_truncated_header) {
  // Hangs up after 12 of the 32 header bytes.
  {
    raw_peer peer{pc_->address};
    ASSERT_TRUE(peer.send(basp_header(client_handshake, 20).substr(0, 12)));
    peer.close();
  }
  expect_scheduler_log("hung up before completing the handshake", "a peer at 127.0.0.1:");
  // Sends 12 bytes and then nothing: dropped after the handshake timeout.
  raw_peer silent{pc_->address};
  ASSERT_TRUE(silent.send(basp_header(client_handshake, 20).substr(0, 12)));
  EXPECT_TRUE(silent.closed_within(20s));
  expect_scheduler_log("dropped a peer at 127.0.0.1:", "no handshake within 3000 ms");
  expect_cluster_serves();
}

TEST_F(bad_frames, scheduler_drops_an_oversized_frame_without_allocating_it) {
  auto before = troupe_test::peak_rss(pc_->scheduler->pid());
  ASSERT_GT(before, 0u);
  raw_peer peer{pc_->address};
  ASSERT_TRUE(peer.send(basp_header(client_handshake, 0xFFFFFFF0u)));
  EXPECT_TRUE(peer.closed_within(10s));
  expect_scheduler_log("dropped a peer at 127.0.0.1:", "announced a message of 4294967280 bytes");
  expect_cluster_serves();
  // CAF alone allocates and zeroes the 4 GiB announced.
  auto after = troupe_test::peak_rss(pc_->scheduler->pid());
  EXPECT_LT(after - before, 64u << 20) << "the scheduler's peak memory grew by "
                                       << (after - before) << " bytes";
}

// The client refuses to send what the scheduler would drop it for.
TEST_F(bad_frames, a_scatter_over_the_message_limit_is_refused_before_it_is_sent) {
  try {
    client_->scatter(std::string(17u << 20, 'x'));
    FAIL() << "scattered more than network.max_message_size";
  } catch (const troupe::config_error& e) {
    EXPECT_NE(std::string{e.what()}.find("over network.max_message_size (16777216)"),
              std::string::npos)
      << e.what();
  }
  auto fits = client_->scatter(std::string(1u << 20, 'y'));
  EXPECT_EQ(fits.get(timeout), std::string(1u << 20, 'y'));
  expect_cluster_serves();
}

TEST_F(bad_frames, scheduler_survives_a_handshake_without_payload) {
  // CAF 0.17.6 alone reads this handshake's missing payload through a null
  // pointer and the process dies of SIGSEGV.
  raw_peer peer{pc_->address};
  ASSERT_TRUE(peer.send(basp_header(client_handshake, 0)));
  EXPECT_TRUE(peer.closed_within(10s));
  expect_scheduler_log("dropped a peer at 127.0.0.1:", "handshake without a payload");
  expect_cluster_serves();
}

TEST_F(bad_frames, a_node_of_another_protocol_version_is_refused) {
  auto [host, port] = net::split_address(pc_->address);
  child_process foreign{{troupe_test::self_exe(), "--foreign-node", host, std::to_string(port)}};
  auto code = foreign.wait(std::chrono::seconds(30));
  ASSERT_TRUE(code) << "remote_actor of a node with another protocol did not return";
  EXPECT_EQ(*code, 0) << foreign.output();
  EXPECT_NE(foreign.output().find("refused: "), std::string::npos) << foreign.output();
  EXPECT_NE(foreign.output().find("incompatible_application_ids"), std::string::npos)
    << foreign.output();
  // It is the foreign node that refuses (CAF 0.17 checks the identifiers on
  // the connecting side only); the scheduler sees its handshake and then
  // the connection close, before any message, and says so.
  expect_scheduler_log("hung up right after its handshake, before sending a message",
                       "a peer at 127.0.0.1:");
  expect_cluster_serves();
}

TEST(bad_frames_client, a_client_refuses_a_scheduler_of_another_protocol_version_at_once) {
  child_process foreign{{troupe_test::self_exe(), "--foreign-server"}};
  auto line = foreign.wait_for_line("foreign server at ", log_wait);
  ASSERT_TRUE(line) << foreign.output();
  auto address = "tcp://127.0.0.1:" + line->substr(line->rfind(' ') + 1);
  auto start = std::chrono::steady_clock::now();
  try {
    troupe::client c{address, std::chrono::seconds(30)};
    FAIL() << "connected to a scheduler of another protocol version";
  } catch (const troupe::connection_error& e) {
    EXPECT_NE(std::string{e.what()}.find("another troupe protocol version"), std::string::npos)
      << e.what();
  }
  // Refused at the first attempt, not after 30 s of retries.
  EXPECT_LT(std::chrono::steady_clock::now() - start, std::chrono::seconds(10));
}

// A peer that completes the handshake byte by byte (so it can then say
// anything) and sends the scheduler a message holding a caf::config_value
// whose variant index is out of range. CAF 0.17.6 throws ("invalid type
// found") while decoding it on its BASP worker thread, and std::terminate
// ends the process; the guard lets only types troupe exchanges reach CAF.
TEST_F(bad_frames, scheduler_drops_a_message_of_a_type_troupe_does_not_exchange) {
  raw_peer peer{pc_->address};
  // The scheduler's handshake: header, then its node, application
  // identifiers, the published actor (the scheduler) and its interface.
  auto head = peer.read(32);
  ASSERT_EQ(head.size(), 32u);
  std::uint32_t len = 0;
  for (int i = 0; i < 4; ++i)
    len = (len << 8) | static_cast<unsigned char>(head[4 + i]);
  auto body = peer.read(len);
  ASSERT_EQ(body.size(), len);
  caf::node_id scheduler_node;
  std::vector<std::string> app_ids;
  caf::actor_id scheduler_id = 0;
  std::set<std::string> interface;
  caf::binary_deserializer source{static_cast<caf::execution_unit*>(nullptr), body.data(),
                                  body.size()};
  ASSERT_FALSE(source(scheduler_node, app_ids, scheduler_id, interface));
  EXPECT_EQ(app_ids, std::vector<std::string>{proto::protocol_identifier});
  ASSERT_NE(scheduler_id, 0u);
  // Ours, from a node of its own.
  caf::node_id::default_data::host_id_type host{};
  host.fill(7);
  auto me = caf::make_node_id(4242, host);
  auto hello = caf_bytes(me);
  ASSERT_TRUE(peer.send(basp_header(client_handshake, static_cast<std::uint32_t>(hello.size()))
                        + hello));
  // The message: empty forwarding stack, element types, a bad variant index.
  std::vector<caf::strong_actor_ptr> stack;
  std::uint16_t zero = 0;
  std::string names = "@<>+@config_value";
  std::uint8_t bad_index = 0x7f;
  std::uint64_t filler = 0;
  auto payload = caf_bytes(stack, zero, names, bad_index, filler);
  ASSERT_TRUE(peer.send(basp_header(direct_message, static_cast<std::uint32_t>(payload.size()), 0,
                                    scheduler_id)
                        + payload));
  EXPECT_TRUE(peer.closed_within(10s));
  expect_scheduler_log("dropped a peer at 127.0.0.1:",
                       "@config_value, which troupe does not exchange");
  expect_cluster_serves();
}

// Well-formed BASP from a node that completed its handshake, carrying troupe
// messages whose arrays disagree: the scheduler drops each message.
TEST_F(bad_frames, scheduler_drops_malformed_messages_from_a_connected_node) {
  auto node = troupe::internal::node::shared();
  auto sched = node->connect(pc_->address, timeout, "test");
  caf::anon_send(sched, proto::acquired{0, {1, 2, 3}, {}});
  expect_scheduler_log("dropped a message from worker 0", "acquired arrays differ in length");
  caf::anon_send(sched, proto::scatter{0, {7, 8}, {4, 100}, "abcd"});
  expect_scheduler_log("dropped scattered data from client 0", "offsets run backwards or past");
  proto::done_batch done;
  done.worker = 0;
  done.keys = {1, 2};
  done.tickets = {0};
  caf::anon_send(sched, std::move(done));
  expect_scheduler_log("dropped a completion batch from worker 0", "differ in length");
  expect_cluster_serves();
}

// -- the workers' data servers -------------------------------------------------

TEST_F(bad_frames, workers_publish_their_data_address) {
  for (auto& w : client_->scheduler_info().workers) {
    EXPECT_EQ(w.data_address.rfind("127.0.0.1:", 0), 0u) << w.data_address;
    auto [host, port] = net::split_address(w.data_address);
    EXPECT_GT(port, 0);
  }
}

TEST_F(bad_frames, data_servers_drop_garbage) {
  expect_data_servers_drop(std::string(12, '\xde'), "magic 0xdededede is not a troupe data frame");
}

TEST_F(bad_frames, data_servers_drop_another_version) {
  expect_data_servers_drop(as_bytes({wire::magic, 99, wire::op_fetch, 1}),
                           "data path version 99, this node speaks 1");
}

TEST_F(bad_frames, data_servers_drop_an_oversized_request) {
  expect_data_servers_drop(as_bytes({wire::magic, wire::version, wire::op_fetch, 0xFFFFFFFFu}),
                           "4294967295 keys, the limit is 1048576");
}

TEST_F(bad_frames, data_servers_drop_a_truncated_header) {
  expect_data_path_serves();
  for (auto& a : data_addresses()) {
    raw_peer peer{a};
    ASSERT_TRUE(peer.send(as_bytes({wire::magic, wire::version, wire::op_fetch, 1}).substr(0, 5)));
  }  // hung up
  for (auto& w : pc_->workers) {
    auto line = w->wait_for_line("dropped a peer at 127.0.0.1:", log_wait);
    ASSERT_TRUE(line) << w->output();
    EXPECT_NE(line->find("hung up after 5 of the 12 header bytes"), std::string::npos) << *line;
  }
  expect_data_path_serves();
}

// Half a header, then nothing: the server keeps answering others meanwhile
// (a thread per connection) and drops the silent peer after the frame
// timeout (3 s here).
TEST_F(bad_frames, data_servers_drop_a_slow_peer_without_blocking_others) {
  expect_data_path_serves();
  std::vector<std::unique_ptr<raw_peer>> slow;
  for (auto& a : data_addresses()) {
    slow.push_back(std::make_unique<raw_peer>(a));
    ASSERT_TRUE(slow.back()->send(as_bytes({wire::magic, wire::version, wire::op_fetch, 1}).substr(0, 6)));
  }
  expect_data_path_serves();
  // Served while the slow peers still held their connections open.
  for (auto& s : slow)
    EXPECT_FALSE(s->closed_within(0ms));
  for (auto& s : slow)
    EXPECT_TRUE(s->closed_within(20s));
  for (auto& w : pc_->workers) {
    auto line = w->wait_for_line("dropped a peer at 127.0.0.1:", log_wait);
    ASSERT_TRUE(line) << w->output();
    EXPECT_NE(line->find("left a frame unfinished for 3000 ms"), std::string::npos) << *line;
  }
  expect_data_path_serves();
  expect_cluster_serves();
}

// -- the other side of a version mismatch -------------------------------------

// A CAF node like troupe's, but with another protocol identifier.
void configure_foreign(caf::actor_system_config& cfg) {
  cfg.load<caf::io::middleman>();
  cfg.set("middleman.app-identifiers", std::vector<std::string>{"troupe-protocol-0"});
  cfg.set("scheduler.max-threads", 1);
}

// `--foreign-node HOST PORT`: tries remote_actor, prints how it ended.
int foreign_node(const std::string& host, int port) {
  caf::actor_system_config cfg;
  configure_foreign(cfg);
  caf::actor_system sys{cfg};
  auto r = sys.middleman().remote_actor(host, static_cast<std::uint16_t>(port));
  if (r) {
    std::cout << "connected" << std::endl;
    return 1;
  }
  std::cout << "refused: " << sys.render(r.error()) << std::endl;
  return 0;
}

// `--foreign-server`: publishes an actor until killed.
int foreign_server() {
  caf::actor_system_config cfg;
  configure_foreign(cfg);
  caf::actor_system sys{cfg};
  auto a = sys.spawn([]() -> caf::behavior { return {[](int x) { return x; }}; });
  auto port = sys.middleman().publish(a, 0, "127.0.0.1");
  if (!port) {
    std::cout << "cannot publish: " << sys.render(port.error()) << std::endl;
    return 1;
  }
  std::cout << "foreign server at " << *port << std::endl;
  for (;;)
    ::pause();  // the test kills this process
}

} // namespace

int main(int argc, char** argv) {
  // Before anything reads the configuration: the limits of the cluster's
  // processes apply to this one too.
  ::putenv(const_cast<char*>(message_limit));
  troupe::init(argc, argv);  // as a worker process: serves, then exits
  if (argc == 4 && std::string{argv[1]} == "--foreign-node")
    return foreign_node(argv[2], std::atoi(argv[3]));
  if (argc == 2 && std::string{argv[1]} == "--foreign-server")
    return foreign_server();
  ::testing::InitGoogleTest(&argc, argv);
  return RUN_ALL_TESTS();
}
