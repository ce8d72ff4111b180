// troupe-bench: scheduler overhead on an in-process cluster of 2 workers x 1
// thread, then on 2 worker processes over TCP (local_cluster with
// processes = true). Prints a table, or one JSON object with --json.
//   map_tasks_per_s           map + gather of N trivial tasks (default 1,000,000)
//   roundtrip_us_*            sequential submit + get (default 10,000)
//   tree_65536_s              binary tree reduction of 65,536 leaves built with delay
//   proc_startup_s            local_cluster of 4 worker processes, until all connected
//   proc_map_tasks_per_s      map + gather of 100,000 trivial tasks on 2 worker processes
//   proc_roundtrip_us_median  sequential submit + get against worker processes
//   transfer_gb_per_s         a 256 MiB result moved worker to worker (data path)
//   recovery_s                SIGKILL of one of 2 workers running 2,000 tasks of 5 ms,
//                             until every result is back (lost ones recomputed)
#include <algorithm>
#include <chrono>
#include <cstdio>
#include <cstring>
#include <iostream>
#include <numeric>
#include <string>
#include <vector>

#include <csignal>
#include <set>
#include <thread>

#include <unistd.h>

#include <troupe/troupe.hpp>

#include "array_bench.hpp"
#include "memory_bandwidth.hpp"

long inc(long x) { return x + 1; }
long add(long x, long y) { return x + y; }
long worker_pid(long) { return static_cast<long>(::getpid()); }
// `mib` MiB of bytes; the bytes depend on the seed.
std::string blob(long mib, long seed) {
  std::string s(static_cast<std::size_t>(mib) << 20, '\0');
  for (std::size_t i = 0; i < s.size(); i += 4096)
    s[i] = static_cast<char>(seed + static_cast<long>(i / 4096));
  return s;
}
long sizes(const std::string& a, const std::string& b) {
  return static_cast<long>(a.size() + b.size()) + a[4096] + b[4096];
}
long sleepy_inc(long x) {
  std::this_thread::sleep_for(std::chrono::milliseconds(5));  // the workload: a 5 ms task
  return x + 1;
}
TROUPE_TASK(inc, add, worker_pid, blob, sizes, sleepy_inc);

namespace {

using clock_type = std::chrono::steady_clock;

double since(clock_type::time_point t0) {
  return std::chrono::duration<double>(clock_type::now() - t0).count();
}

struct options {
  bool json = false;
  long map_n = 1'000'000;
  long roundtrips = 10'000;
  long leaves = 65'536;
  bool processes = true;
  bool array = true;
  bool array_only = false;
  troupe::bench::array_options arrays;
};


double bench_map(troupe::client& client, long n) {
  std::vector<long> xs(static_cast<std::size_t>(n));
  std::iota(xs.begin(), xs.end(), 0L);
  auto t0 = clock_type::now();
  auto futures = client.map(inc, xs, {.pure = false});
  auto results = client.gather(futures);
  double s = since(t0);
  for (long i = 0; i < n; ++i)
    if (results[static_cast<std::size_t>(i)] != i + 1) {
      std::cerr << "troupe-bench: wrong map result at " << i << "\n";
      std::exit(1);
    }
  return static_cast<double>(n) / s;
}

std::vector<double> bench_roundtrip(troupe::client& client, long n) {
  std::vector<double> us;
  us.reserve(static_cast<std::size_t>(n));
  for (long i = 0; i < n; ++i) {
    auto t0 = clock_type::now();
    long r = client.submit({.pure = false}, inc, i).get();
    us.push_back(since(t0) * 1e6);
    if (r != i + 1) {
      std::cerr << "troupe-bench: wrong round-trip result\n";
      std::exit(1);
    }
  }
  std::sort(us.begin(), us.end());
  return us;
}

double bench_tree(troupe::client& client, long leaves) {
  auto t0 = clock_type::now();
  std::vector<troupe::delayed<long>> level;
  level.reserve(static_cast<std::size_t>(leaves));
  for (long i = 0; i < leaves; ++i)
    level.push_back(troupe::delay(inc)(i));
  while (level.size() > 1) {
    std::vector<troupe::delayed<long>> next;
    next.reserve(level.size() / 2 + 1);
    for (std::size_t i = 0; i + 1 < level.size(); i += 2)
      next.push_back(troupe::delay(add)(level[i], level[i + 1]));
    if (level.size() % 2)
      next.push_back(level.back());
    level.swap(next);
  }
  long r = client.compute(level[0]).get();
  double s = since(t0);
  if (r != leaves * (leaves + 1) / 2) {
    std::cerr << "troupe-bench: wrong tree result " << r << "\n";
    std::exit(1);
  }
  return s;
}

struct proc_figures {
  double startup_s = 0, map_rate = 0, roundtrip_median = 0, transfer_gbps = 0, recovery_s = 0,
         adapt_up_s = 0;
};

// One 256 MiB result on each of 2 workers; scaling down to 1 moves the
// retiring worker's result to the other over the data path, and the
// scale-down returns once it has arrived and the worker has stopped.
double bench_transfer(troupe::local_cluster& cluster, troupe::client& client) {
  auto x = client.submit({.pure = false}, blob, 256L, 1L);
  auto y = client.submit({.pure = false}, blob, 256L, 2L);
  troupe::wait(std::vector<troupe::future<std::string>>{x, y}, std::chrono::seconds(120));
  auto t0 = clock_type::now();
  cluster.scale(1);
  double s = since(t0);
  auto info = cluster.info();
  if (info.workers.size() != 1 || info.workers[0].managed_bytes < (512ull << 20)) {
    std::cerr << "troupe-bench: the retired worker's result did not move\n";
    std::exit(1);
  }
  if (client.submit({.pure = false}, sizes, x, y).get() != (512L << 20) + 2 + 3) {
    std::cerr << "troupe-bench: wrong data after the move\n";
    std::exit(1);
  }
  cluster.scale(2);
  return (256.0 * (1 << 20)) / s / 1e9;
}

double bench_recovery(troupe::client& client) {
  std::vector<long> xs(2000);
  std::iota(xs.begin(), xs.end(), 0L);
  std::vector<long> two{0, 1};
  auto pids = client.gather(client.map(worker_pid, two, {.pure = false}));
  std::set<long> distinct(pids.begin(), pids.end());
  auto fs = client.map(sleepy_inc, xs, {.pure = false});
  // Kill one worker once a quarter of the work is done.
  std::size_t done = 0;
  for (auto& f : troupe::as_completed(std::vector<troupe::future<long>>(fs.begin(), fs.end()))) {
    (void)f;
    if (++done == 500)
      break;
  }
  auto t0 = clock_type::now();
  ::kill(static_cast<pid_t>(*distinct.rbegin()), SIGKILL);
  auto results = client.gather(fs, std::chrono::seconds(300));
  double s = since(t0);
  for (long i = 0; i < 2000; ++i)
    if (results[static_cast<std::size_t>(i)] != i + 1) {
      std::cerr << "troupe-bench: wrong result after recovery at " << i << "\n";
      std::exit(1);
    }
  return s;
}

// adapt_up_s: from load arriving to the maximum number of workers, on the
// local plugin's worker processes (decisions every 100 ms).
double bench_adapt_up() {
  troupe::cluster cluster{"local", {{"n_workers", 1}, {"threads_per_worker", 1}}};
  cluster.adapt({.minimum = 1,
                 .maximum = 4,
                 .target_duration = std::chrono::seconds(1),
                 .interval = std::chrono::milliseconds(100),
                 .wait_count = 3});
  troupe::client client{cluster};
  std::vector<long> xs(2000);  // 10 s of 5 ms tasks: 10 workers for 1 s, so the maximum
  std::iota(xs.begin(), xs.end(), 0L);
  auto t0 = clock_type::now();
  auto fs = client.map(sleepy_inc, xs, {.pure = false});
  while (cluster.info().workers.size() < 4 && since(t0) < 60)
    std::this_thread::yield();
  double s = since(t0);
  auto results = client.gather(fs, std::chrono::seconds(120));
  for (long i = 0; i < 2000; ++i)
    if (results[static_cast<std::size_t>(i)] != i + 1) {
      std::cerr << "troupe-bench: adapt: wrong result at " << i << "\n";
      std::exit(1);
    }
  return s;
}

proc_figures bench_processes(const options& o) {
  proc_figures f;
  {
    auto t0 = clock_type::now();
    troupe::local_cluster four{{.n_workers = 4, .threads_per_worker = 1, .processes = true}};
    f.startup_s = since(t0);
  }
  troupe::local_cluster cluster{{.n_workers = 2, .threads_per_worker = 1, .processes = true}};
  troupe::client client{cluster};
  bench_map(client, 10'000);  // warm up
  f.map_rate = bench_map(client, 100'000);
  client.sync();
  auto rt = bench_roundtrip(client, std::min(o.roundtrips, 2'000L));
  f.roundtrip_median = rt[rt.size() / 2];
  f.transfer_gbps = bench_transfer(cluster, client);
  client.sync();
  f.recovery_s = bench_recovery(client);
  f.adapt_up_s = bench_adapt_up();
  return f;
}

} // namespace

int main(int argc, char** argv) {
  troupe::init(argc, argv);  // worker processes of the process benchmarks
  if (argc == 4 && std::string{argv[1]} == "--array-workload")
    return troupe::bench::run_array_workload(argv[2], std::stol(argv[3]));
  options o;
  for (int i = 1; i < argc; ++i) {
    std::string a = argv[i];
    auto value = [&] {
      if (i + 1 >= argc) {
        std::cerr << "troupe-bench: " << a << " needs a value\n";
        std::exit(2);
      }
      return std::stol(argv[++i]);
    };
    if (a == "--json")
      o.json = true;
    else if (a == "--map-n")
      o.map_n = value();
    else if (a == "--roundtrips")
      o.roundtrips = value();
    else if (a == "--tree-leaves")
      o.leaves = value();
    else if (a == "--no-processes")
      o.processes = false;
    else if (a == "--no-array")
      o.array = false;
    else if (a == "--array-only")
      o.array_only = true;
    else if (a == "--seed-n")
      o.arrays.seed_n = value();
    else if (a == "--big-n")
      o.arrays.big_n = value();
    else if (a == "--kmeans-n")
      o.arrays.kmeans_n = value();
    else if (a == "--elementwise-gb")
      o.arrays.elementwise_gb = static_cast<double>(value());
    else {
      std::cerr << "troupe-bench: unknown argument '" << a
                << "' (use --json, --map-n N, --roundtrips N, --tree-leaves N, --no-processes, --no-array, --array-only, --seed-n N, --big-n N, --elementwise-gb N, --kmeans-n N)\n";
      return 2;
    }
  }
  double map_rate = 0, median = 0, p99 = 0, tree = 0;
  proc_figures p;
  if (!o.array_only) {
    troupe::local_cluster cluster{{.n_workers = 2, .threads_per_worker = 1}};
    troupe::client client{cluster};
    bench_map(client, std::min(o.map_n, 10'000L));  // warm up
    map_rate = bench_map(client, o.map_n);
    client.sync();  // the map's releases are handled before the next workload
    auto rt = bench_roundtrip(client, o.roundtrips);
    median = rt[rt.size() / 2];
    p99 = rt[std::min(rt.size() - 1, rt.size() * 99 / 100)];
    tree = bench_tree(client, o.leaves);
    client.close();
    if (o.processes)
      p = bench_processes(o);
  }
  troupe::bench::array_figures arr;
  troupe::bench::bandwidth bw;
  if (o.array || o.array_only) {
    arr = troupe::bench::run_array_benchmarks("/proc/self/exe", o.arrays);
    bw = troupe::bench::measure_memory_bandwidth();
  }
  if (o.json) {
    std::printf("{\"workers\": 2, \"threads_per_worker\": 1");
    if (!o.array_only) {
      std::printf(", \"map_tasks_per_s\": %.0f, \"roundtrip_us_median\": %.2f, "
                  "\"roundtrip_us_p99\": %.2f, \"tree_%ld_s\": %.4f, \"map_n\": %ld, "
                  "\"roundtrips\": %ld",
                  map_rate, median, p99, o.leaves, tree, o.map_n, o.roundtrips);
      if (o.processes)
        std::printf(", \"proc_startup_s\": %.4f, \"proc_map_tasks_per_s\": %.0f, "
                    "\"proc_roundtrip_us_median\": %.2f, \"transfer_gb_per_s\": %.3f, "
                    "\"recovery_s\": %.3f, \"adapt_up_s\": %.3f",
                    p.startup_s, p.map_rate, p.roundtrip_median, p.transfer_gbps, p.recovery_s,
                    p.adapt_up_s);
    }
    if (o.array || o.array_only)
      std::printf(", \"array_seed_s\": %.4f, \"array_seed_peak_mb\": %.1f, "
                  "\"array_bigger_than_memory_s\": %.3f, \"array_bigger_than_memory_peak_mb\": %.1f, "
                  "\"big_n\": %ld, \"seed_n\": %ld, "
                  "\"elementwise_gb_per_s\": %.3f, \"elementwise_gb\": %.1f, "
                  "\"memory_bandwidth_gb_per_s\": %.3f, \"memory_bandwidth_copy_gb_per_s\": %.3f, "
                  "\"elementwise_fraction_of_bandwidth\": %.3f, \"elementwise_peak_mb\": %.1f, "
                  "\"kmeans_s\": %.4f, \"kmeans_peak_mb\": %.1f, \"kmeans_iterations\": %ld, "
                  "\"kmeans_n\": %ld",
                  arr.seed_s, arr.seed_peak_mb, arr.big_s, arr.big_peak_mb, o.arrays.big_n,
                  o.arrays.seed_n, arr.elementwise_gb_per_s, o.arrays.elementwise_gb,
                  bw.triad_gb_per_s, bw.copy_gb_per_s, arr.elementwise_gb_per_s / bw.triad_gb_per_s,
                  arr.elementwise_peak_mb, arr.kmeans_s, arr.kmeans_peak_mb, arr.kmeans_iterations,
                  o.arrays.kmeans_n);
    std::printf("}\n");
    return 0;
  }
  if (!o.array_only) {
    std::printf("map + gather of %ld tasks:    %12.0f tasks/s   (target >= 1,000,000)\n",
                o.map_n, map_rate);
    std::printf("submit + get round trip:      %12.2f us median, %.2f us p99 (target < 20)\n",
                median, p99);
    std::printf("tree reduction, %ld leaves: %12.4f s   (target < 0.3)\n", o.leaves, tree);
    if (o.processes) {
      std::printf("4 worker processes connected: %12.4f s   (target < 0.5)\n", p.startup_s);
      std::printf("processes: map of 100,000:    %12.0f tasks/s   (target >= 200,000)\n",
                  p.map_rate);
      std::printf("processes: round trip:        %12.2f us median (target < 250)\n",
                  p.roundtrip_median);
      std::printf("256 MiB worker to worker:     %12.3f GB/s (target >= 1)\n", p.transfer_gbps);
      std::printf("SIGKILL to all results back:  %12.3f s (2,000 tasks of 5 ms)\n",
                  p.recovery_s);
      std::printf("adapt: load to 4 workers:     %12.3f s (decisions every 100 ms)\n",
                  p.adapt_up_s);
    }
  }
  if (o.array || o.array_only) {
    std::printf("array seed (%ld^2, x + x.T ...): %9.3f s, peak %.0f MB\n", o.arrays.seed_n,
                arr.seed_s, arr.seed_peak_mb);
    std::printf("(x * x).mean(1), %ld^2:      %9.3f s, peak %.0f MB (target < 4096)\n",
                o.arrays.big_n, arr.big_s, arr.big_peak_mb);
    std::printf("a * b + c over %.0f GB:          %9.3f GB/s = %.0f%% of triad %.3f GB/s\n",
                o.arrays.elementwise_gb, arr.elementwise_gb_per_s,
                100 * arr.elementwise_gb_per_s / bw.triad_gb_per_s, bw.triad_gb_per_s);
    std::printf("k-means of %ld points:       %9.3f s, %ld iterations, peak %.0f MB\n",
                o.arrays.kmeans_n, arr.kmeans_s, arr.kmeans_iterations, arr.kmeans_peak_mb);
  }
  return 0;
}
