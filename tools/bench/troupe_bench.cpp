// troupe-bench: scheduler overhead on an in-process cluster of 2 workers x 1
// thread. Prints a table, or one JSON object with --json.
//   map_tasks_per_s      map + gather of N trivial tasks (default 1,000,000)
//   roundtrip_us_*       sequential submit + get (default 10,000)
//   tree_65536_s         binary tree reduction of 65,536 leaves built with delay
#include <algorithm>
#include <chrono>
#include <cstdio>
#include <cstring>
#include <iostream>
#include <numeric>
#include <string>
#include <vector>

#include <troupe/troupe.hpp>

long inc(long x) { return x + 1; }
long add(long x, long y) { return x + y; }
TROUPE_TASK(inc, add);

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

} // namespace

int main(int argc, char** argv) {
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
    else {
      std::cerr << "troupe-bench: unknown argument '" << a
                << "' (use --json, --map-n N, --roundtrips N, --tree-leaves N)\n";
      return 2;
    }
  }
  troupe::local_cluster cluster{{.n_workers = 2, .threads_per_worker = 1}};
  troupe::client client{cluster};
  bench_map(client, std::min(o.map_n, 10'000L));  // warm up
  double map_rate = bench_map(client, o.map_n);
  client.sync();  // the map's releases are handled before the next workload
  auto rt = bench_roundtrip(client, o.roundtrips);
  double median = rt[rt.size() / 2];
  double p99 = rt[std::min(rt.size() - 1, rt.size() * 99 / 100)];
  double tree = bench_tree(client, o.leaves);
  if (o.json) {
    std::printf("{\"map_tasks_per_s\": %.0f, \"roundtrip_us_median\": %.2f, "
                "\"roundtrip_us_p99\": %.2f, \"tree_%ld_s\": %.4f, \"map_n\": %ld, "
                "\"roundtrips\": %ld, \"workers\": 2, \"threads_per_worker\": 1}\n",
                map_rate, median, p99, o.leaves, tree, o.map_n, o.roundtrips);
  } else {
    std::printf("map + gather of %ld tasks:    %12.0f tasks/s   (target >= 1,000,000)\n",
                o.map_n, map_rate);
    std::printf("submit + get round trip:      %12.2f us median, %.2f us p99 (target < 20)\n",
                median, p99);
    std::printf("tree reduction, %ld leaves: %12.4f s   (target < 0.3)\n", o.leaves, tree);
  }
  return 0;
}
