#include "array_bench.hpp"

#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <chrono>
#include <cmath>
#include <utility>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <iostream>
#include <stdexcept>
#include <string>

#include <troupe/troupe.hpp>

#include "blobs.hpp"
#include "kmeans_lib.hpp"

namespace troupe::bench {

namespace {

using clock_type = std::chrono::steady_clock;

double since(clock_type::time_point t0) {
  return std::chrono::duration<double>(clock_type::now() - t0).count();
}

// (x + x.T)[::2, n/4:].mean(axis=1) on an n x n random array in 1000 x 1000
// chunks: seed 000. Timed from building the graph to the result.
double seed_workload(long n) {
  auto t0 = clock_type::now();
  auto x = random::uniform({n, n}, {1000, 1000}, 0.0, 1.0, {.seed = 1});
  auto y = x + x.T();
  auto z = y[{slice{std::nullopt, std::nullopt, 2}, slice{n / 4, std::nullopt, 1}}].mean(1);
  auto r = z.compute();
  if (r.size() != static_cast<std::size_t>((n + 1) / 2))
    throw std::runtime_error("seed workload: wrong result size");
  return since(t0);
}

// (x * x).mean(1) on an n x n random array in 1000 x 1000 chunks: 80 GB of
// doubles at n = 100,000 (seed 004), never all in memory.
double bigger_than_memory(long n) {
  auto t0 = clock_type::now();
  auto x = random::uniform({n, n}, {1000, 1000}, 0.0, 1.0, {.seed = 4});
  auto r = (x * x).mean(1).compute();
  // E[u^2] = 1/3 for u uniform on [0, 1).
  if (r.size() != static_cast<std::size_t>(n) || r(0) < 0.3 || r(0) > 0.37)
    throw std::runtime_error("bigger-than-memory workload: wrong result");
  return since(t0);
}

// a * b + c over 1-D float64 arrays, all four (a, b, c, result) together
// `gb` GB, chunks of 1,000,000 elements; the inputs are persisted first, the
// fused result is persisted (kept on the workers) and timed: bytes read and
// written per second.
double elementwise(double gb) {
  auto n = static_cast<std::int64_t>(gb * 1e9 / 4 / 8);
  auto a = random::uniform({n}, {1'000'000}, 0.0, 1.0, {.seed = 1}).persist();
  auto b = random::uniform({n}, {1'000'000}, 0.0, 1.0, {.seed = 2}).persist();
  auto c = random::uniform({n}, {1'000'000}, 0.0, 1.0, {.seed = 3}).persist();
  wait(a);
  wait(b);
  wait(c);
  // Best of three, as dask_compare.py does; each result is dropped before
  // the next run, so later runs write into memory the first one faulted in.
  double best = 1e300;
  for (int run = 0; run < 3; ++run) {
    auto t0 = clock_type::now();
    auto r = (a * b + c).persist();
    wait(r);
    best = std::min(best, since(t0));
  }
  return static_cast<double>(n) * 8 * 4 / best / 1e9;
}

// Seed 003: k-means|| and Lloyd (examples/kmeans) on n points around three
// centres, chunks of 1,000,000 rows; the data is made and persisted first
// (not timed), as dask_compare.py does. Returns seconds and iterations.
std::pair<double, int> kmeans_workload(client& c, long n) {
  auto x = kmeans::make_blobs(n, 1'000'000, 0).persist(c);
  wait(x);
  auto t0 = clock_type::now();
  auto r = kmeans::kmeans(c, x, 3);
  double s = since(t0);
  // The centres the blobs were drawn around, within a tenth.
  for (std::int64_t c = 0; c < 3; ++c) {
    double cx = r.centres(c, 0), cy = r.centres(c, 1);
    bool near = false;
    for (std::size_t k = 0; k < 3; ++k)
      near = near || (std::abs(cx - kmeans::blob_centres[2 * k]) < 0.1
                      && std::abs(cy - kmeans::blob_centres[2 * k + 1]) < 0.1);
    if (!near)
      throw std::runtime_error("kmeans workload: a centre is far from every blob");
  }
  return {s, r.iterations};
}

struct child_result {
  std::string json;
  double peak_mb = 0;
};

double field(const std::string& json, const std::string& key) {
  auto at = json.find("\"" + key + "\":");
  if (at == std::string::npos)
    throw std::runtime_error("array workload output lacks " + key + ": " + json);
  return std::strtod(json.c_str() + at + key.size() + 3, nullptr);
}


child_result run_child(const char* self, const std::string& name, long size) {
  int out[2];
  if (::pipe(out) != 0)
    throw std::runtime_error("pipe failed");
  pid_t pid = ::fork();
  if (pid == 0) {
    ::dup2(out[1], 1);
    ::close(out[0]);
    ::close(out[1]);
    std::string n = std::to_string(size);
    ::execl(self, self, "--array-workload", name.c_str(), n.c_str(), nullptr);
    std::_Exit(127);
  }
  ::close(out[1]);
  child_result r;
  char buf[4096];
  ssize_t got;
  while ((got = ::read(out[0], buf, sizeof buf)) > 0)
    r.json.append(buf, static_cast<std::size_t>(got));
  ::close(out[0]);
  int status = 0;
  ::waitpid(pid, &status, 0);
  if (!WIFEXITED(status) || WEXITSTATUS(status) != 0)
    throw std::runtime_error("array workload '" + name + "' failed");
  r.peak_mb = field(r.json, "peak_mb");
  return r;
}

} // namespace

namespace {
// This process's peak RSS since exec, in MB. Not getrusage's ru_maxrss: that
// keeps the high-water mark from before exec, the RSS of the parent this
// process was forked from.
double peak_rss_mb() {
  std::FILE* f = std::fopen("/proc/self/status", "r");
  if (!f)
    return 0;
  char line[256];
  double kb = 0;
  while (std::fgets(line, sizeof line, f))
    if (std::strncmp(line, "VmHWM:", 6) == 0)
      kb = std::strtod(line + 6, nullptr);
  std::fclose(f);
  return kb / 1024;
}
} // namespace

int run_array_workload(const std::string& name, long size) {
  local_cluster cluster{{.n_workers = 2, .threads_per_worker = 1}};
  client c{cluster};
  if (name == "seed")
    std::printf("{\"s\": %.4f", seed_workload(size));
  else if (name == "big")
    std::printf("{\"s\": %.4f", bigger_than_memory(size));
  else if (name == "elementwise")
    std::printf("{\"gb_per_s\": %.4f", elementwise(static_cast<double>(size)));
  else if (name == "kmeans") {
    auto [s, iterations] = kmeans_workload(c, size);
    std::printf("{\"s\": %.4f, \"iterations\": %d", s, iterations);
  }
  else {
    std::cerr << "troupe-bench: unknown array workload '" << name << "'\n";
    return 2;
  }
  std::printf(", \"peak_mb\": %.1f}\n", peak_rss_mb());
  return 0;
}

array_figures run_array_benchmarks(const char* self, const array_options& o) {
  array_figures f;
  auto seed = run_child(self, "seed", o.seed_n);
  f.seed_s = field(seed.json, "s");
  f.seed_peak_mb = seed.peak_mb;
  auto big = run_child(self, "big", o.big_n);
  f.big_s = field(big.json, "s");
  f.big_peak_mb = big.peak_mb;
  auto ew = run_child(self, "elementwise", static_cast<long>(o.elementwise_gb));
  f.elementwise_gb_per_s = field(ew.json, "gb_per_s");
  f.elementwise_peak_mb = ew.peak_mb;
  auto km = run_child(self, "kmeans", o.kmeans_n);
  f.kmeans_s = field(km.json, "s");
  f.kmeans_iterations = static_cast<long>(field(km.json, "iterations"));
  f.kmeans_peak_mb = km.peak_mb;
  return f;
}

} // namespace troupe::bench
