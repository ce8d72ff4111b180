// troupe-dashboard-bench: what watching the dashboard costs.
//   dashboard_overhead_pct   the map benchmark (map + gather of N trivial
//                            tasks on 2 workers x 1 thread) while a
//                            browser-equivalent client follows the live feed,
//                            against the same without it: runs alternate, and
//                            the figure is the median of the R pairs' slowdowns.
//                            One run here varies by +-10 %, so many short runs
//                            (101 of 200,000 tasks, about 40 s) pin the median
//                            to about +-1.5 %.
//   dashboard_cpu_pct        what the feed costs in CPU, which on a busy
//                            machine is taken from the tasks: the scheduler's
//                            time answering views, the HTTP thread's and the
//                            watcher's CPU time during the watched runs, over
//                            their wall time x cores. Measured directly (thread
//                            CPU clocks), so it is steady.
// Defaults: --map-n 200000 --runs 101.
// The client does what the page does: it reads /api/v1/stream (one update
// every 200 ms), parses each update's JSON, and fetches the task stream's
// gap when an update skipped at most 5,000 records (dashboard.js).
//   troupe-dashboard-bench [--map-n N] [--runs R] [--json]
#include <arpa/inet.h>
#include <netinet/in.h>
#include <poll.h>
#include <sys/socket.h>
#include <unistd.h>

#include <ctime>
#include <dirent.h>
#include <fstream>
#include <sstream>

#include <algorithm>
#include <atomic>
#include <chrono>
#include <cstdio>
#include <iostream>
#include <numeric>
#include <string>
#include <thread>
#include <vector>

#include <nlohmann/json.hpp>

#include <troupe/troupe.hpp>

namespace {

long inc(long x) { return x + 1; }
TROUPE_TASK(inc);

using clock_type = std::chrono::steady_clock;
constexpr long max_gap_fetch = 5000;  // as dashboard.js

int connect_to(int port) {
  int fd = ::socket(AF_INET, SOCK_STREAM, 0);
  sockaddr_in a{};
  a.sin_family = AF_INET;
  a.sin_port = htons(static_cast<std::uint16_t>(port));
  a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  if (fd < 0 || ::connect(fd, reinterpret_cast<sockaddr*>(&a), sizeof a) != 0) {
    std::cerr << "troupe-dashboard-bench: cannot connect to the dashboard on port " << port << "\n";
    std::exit(1);
  }
  return fd;
}

void send_all(int fd, const std::string& s) {
  for (std::size_t sent = 0; sent < s.size();) {
    auto n = ::send(fd, s.data() + sent, s.size() - sent, MSG_NOSIGNAL);
    if (n <= 0)
      return;
    sent += static_cast<std::size_t>(n);
  }
}

// One GET on its own connection (Connection: close); the body.
std::string get(int port, const std::string& path) {
  int fd = connect_to(port);
  send_all(fd, "GET " + path + " HTTP/1.1\r\nHost: bench\r\nConnection: close\r\n\r\n");
  std::string reply;
  char buf[65536];
  for (ssize_t n; (n = ::recv(fd, buf, sizeof buf, 0)) > 0;)
    reply.append(buf, static_cast<std::size_t>(n));
  ::close(fd);
  auto body = reply.find("\r\n\r\n");
  return body == std::string::npos ? std::string{} : reply.substr(body + 4);
}

struct watcher_figures {
  long events = 0, gap_fetches = 0, records = 0;
  double mb = 0, cpu_s = 0;
};

double thread_cpu_s() {
  timespec t{};
  clock_gettime(CLOCK_THREAD_CPUTIME_ID, &t);
  return static_cast<double>(t.tv_sec) + static_cast<double>(t.tv_nsec) * 1e-9;
}

// CPU seconds of this process's thread named `name` (the dashboard's HTTP
// thread is "troupe-http"), from /proc.
double named_thread_cpu_s(const std::string& name) {
  double total = 0;
  DIR* dir = ::opendir("/proc/self/task");
  if (!dir)
    return 0;
  while (auto* e = ::readdir(dir)) {
    std::string tid = e->d_name;
    if (tid == "." || tid == "..")
      continue;
    std::ifstream comm{"/proc/self/task/" + tid + "/comm"};
    std::string n;
    std::getline(comm, n);
    if (n != name)
      continue;
    std::ifstream stat{"/proc/self/task/" + tid + "/stat"};
    std::string line;
    std::getline(stat, line);
    std::istringstream rest{line.substr(line.rfind(')') + 2)};
    std::string field;
    double utime = 0, stime = 0;
    for (int i = 3; i <= 15 && rest >> field; ++i) {
      if (i == 14)
        utime = std::stod(field);
      if (i == 15)
        stime = std::stod(field);
    }
    total += (utime + stime) / static_cast<double>(::sysconf(_SC_CLK_TCK));
  }
  ::closedir(dir);
  return total;
}

double scheduler_dashboard_cpu_s(int port) {
  return nlohmann::json::parse(get(port, "/api/v1/info"))["dashboard_cpu_s"].get<double>();
}

// Follows the live feed until `stop`, as the page does; sets `ready` once
// the first update is in (a page that is open, not one that is loading).
watcher_figures watch(int port, const std::atomic<bool>& stop, std::atomic<bool>& ready) {
  watcher_figures f;
  double cpu0 = thread_cpu_s();
  int fd = connect_to(port);
  send_all(fd, "GET /api/v1/stream HTTP/1.1\r\nHost: bench\r\n\r\n");
  std::string buf;
  std::uint64_t cursor = 0;
  bool started = false;
  char chunk[65536];
  while (!stop.load()) {
    pollfd p{fd, POLLIN, 0};
    if (::poll(&p, 1, 100) <= 0)
      continue;
    auto n = ::recv(fd, chunk, sizeof chunk, 0);
    if (n <= 0)
      break;
    f.mb += static_cast<double>(n) / 1e6;
    buf.append(chunk, static_cast<std::size_t>(n));
    for (std::size_t end; (end = buf.find("\n\n")) != std::string::npos; buf.erase(0, end + 2)) {
      auto data = buf.find("data: ");
      if (data == std::string::npos || data > end)
        continue;
      auto update = nlohmann::json::parse(buf.begin() + static_cast<long>(data) + 6,
                                          buf.begin() + static_cast<long>(end));
      ++f.events;
      const auto& stream = update["stream"];
      auto next = stream["cursor"].get<std::uint64_t>();
      auto got = stream["records"].size();
      f.records += static_cast<long>(got);
      if (started && next - got > cursor && static_cast<long>(next - got - cursor) <= max_gap_fetch) {
        auto gap = nlohmann::json::parse(get(port, "/api/v1/task-stream?since=" + std::to_string(cursor)));
        f.records += static_cast<long>(gap["records"].size());
        ++f.gap_fetches;
      }
      cursor = next;
      started = true;
      if (!ready) {
        cpu0 = thread_cpu_s();  // from here on, the feed's steady cost
        ready = true;
      }
    }
  }
  ::close(fd);
  f.cpu_s = thread_cpu_s() - cpu0;
  return f;
}

double map_rate(troupe::client& client, long n, double* seconds = nullptr) {
  std::vector<long> xs(static_cast<std::size_t>(n));
  std::iota(xs.begin(), xs.end(), 0L);
  auto t0 = clock_type::now();
  auto results = client.gather(client.map(inc, xs, {.pure = false}));
  double s = std::chrono::duration<double>(clock_type::now() - t0).count();
  for (long i = 0; i < n; ++i)
    if (results[static_cast<std::size_t>(i)] != i + 1) {
      std::cerr << "troupe-dashboard-bench: wrong map result at " << i << "\n";
      std::exit(1);
    }
  client.sync();
  if (seconds)
    *seconds += s;
  return static_cast<double>(n) / s;
}

double median(std::vector<double> v) {
  std::sort(v.begin(), v.end());
  return v[v.size() / 2];
}

} // namespace

int main(int argc, char** argv) {
  long n = 200'000, runs = 101;
  bool json = false;
  for (int i = 1; i < argc; ++i) {
    std::string a = argv[i];
    if (a == "--map-n" && i + 1 < argc)
      n = std::stol(argv[++i]);
    else if (a == "--runs" && i + 1 < argc)
      runs = std::stol(argv[++i]);
    else if (a == "--json")
      json = true;
    else {
      std::cerr << "troupe-dashboard-bench: unknown argument '" << a
                << "' (use --map-n N, --runs R, --json)\n";
      return 2;
    }
  }
  troupe::local_cluster cluster{{.n_workers = 2, .threads_per_worker = 1, .dashboard_port = 0}};
  troupe::client client{cluster};
  auto link = client.dashboard_link();
  int port = std::stoi(link.substr(link.rfind(':') + 1));
  map_rate(client, std::min(n, 10'000L));  // warm up
  std::vector<double> off, on;
  watcher_figures watched;
  double watched_s = 0;
  double serve_s = 0, http_s = 0;
  for (long r = 0; r < runs; ++r) {
    // ABBA: which of the pair runs first alternates, so that an order
    // effect cancels out.
    if (r % 2 == 0)
      off.push_back(map_rate(client, n));
    std::atomic<bool> stop{false}, ready{false};
    watcher_figures f;
    std::thread watcher([&] { f = watch(port, stop, ready); });
    auto deadline = clock_type::now() + std::chrono::seconds(10);
    while (!ready && clock_type::now() < deadline)
      std::this_thread::yield();  // a benchmark, not a test: the feed's first update
    if (!ready) {
      stop = true;
      watcher.join();
      std::cerr << "troupe-dashboard-bench: no update from the live feed within 10 s\n";
      return 1;
    }
    // The scheduler's and the HTTP thread's CPU during the watched run only.
    double serve_before = scheduler_dashboard_cpu_s(port);
    double http_before = named_thread_cpu_s("troupe-http");
    on.push_back(map_rate(client, n, &watched_s));
    serve_s += scheduler_dashboard_cpu_s(port) - serve_before;
    http_s += named_thread_cpu_s("troupe-http") - http_before;
    stop = true;
    watcher.join();
    if (r % 2 == 1)
      off.push_back(map_rate(client, n));
    watched.cpu_s += f.cpu_s;
    watched.events += f.events;
    watched.gap_fetches += f.gap_fetches;
    watched.records += f.records;
    watched.mb += f.mb;
  }
  double cores = std::max(1u, std::thread::hardware_concurrency());
  double cpu_pct = 100 * (serve_s + http_s + watched.cpu_s) / (cores * watched_s);
  double a = median(off), b = median(on);
  std::vector<double> slowdowns;
  for (std::size_t i = 0; i < off.size(); ++i)
    slowdowns.push_back(100 * (off[i] - on[i]) / off[i]);
  double overhead = median(slowdowns);
  std::sort(slowdowns.begin(), slowdowns.end());
  double q1 = slowdowns[slowdowns.size() / 4], q3 = slowdowns[slowdowns.size() * 3 / 4];
  if (json) {
    std::printf("{\"map_n\": %ld, \"runs\": %ld, \"map_tasks_per_s\": %.0f, "
                "\"map_tasks_per_s_watched\": %.0f, \"dashboard_overhead_pct\": %.2f, "
                "\"overhead_pct_q1\": %.2f, \"overhead_pct_q3\": %.2f, "
                "\"dashboard_cpu_pct\": %.3f, \"scheduler_serve_s\": %.4f, \"http_thread_s\": %.4f, "
                "\"watcher_s\": %.4f, \"watched_s\": %.3f, "
                "\"updates\": %ld, \"gap_fetches\": %ld, \"records_received\": %ld, "
                "\"mb_received\": %.1f}\n",
                n, runs, a, b, overhead, q1, q3, cpu_pct, serve_s, http_s, watched.cpu_s, watched_s,
                watched.events, watched.gap_fetches, watched.records,
                watched.mb);
    return 0;
  }
  std::printf("map + gather of %ld tasks, median of %ld:\n", n, runs);
  std::printf("  nobody watching:           %12.0f tasks/s\n", a);
  std::printf("  a client on the live feed: %12.0f tasks/s\n", b);
  std::printf("dashboard_overhead_pct:      %12.2f %%   (target < 5; quartiles of the pairs %.2f, %.2f)\n",
              overhead, q1, q3);
  std::printf("dashboard_cpu_pct:           %12.3f %%   (scheduler %.4f s + HTTP thread %.4f s + "
              "watcher %.4f s over %.0f cores x %.2f s)\n",
              cpu_pct, serve_s, http_s, watched.cpu_s, cores, watched_s);
  std::printf("  the watcher got %ld updates, %ld gap fetches, %ld records, %.1f MB\n",
              watched.events, watched.gap_fetches, watched.records, watched.mb);
  return 0;
}
