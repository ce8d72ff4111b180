// The batch plugin's figures (issue 6): how long scale(2) takes to give two
// connected workers that are batch jobs, how long close() takes to empty the
// queue, and the chunked-array seed workload (seed 000: a 20,000 x 20,000
// random array in 1,000 x 1,000 chunks, (x + x.T)[::2, 5000:].mean(axis=1))
// on those two job workers against two worker processes of the local plugin.
//
//   tools/bench/batch_bench.sh            starts a private Slurm (the test
//                                          fixture) and runs this against it
//   troupe-batch-bench --system slurm --queue debug [--runs 5] [--n 20000]
//
// Each cluster gets 2 workers x 1 thread; every run computes the same graph
// from scratch; the median of the runs is printed with the others.
#include <algorithm>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <string>
#include <vector>

#include <troupe/troupe.hpp>

namespace {

using clock_type = std::chrono::steady_clock;

double since(clock_type::time_point t0) {
  return std::chrono::duration<double>(clock_type::now() - t0).count();
}

// Seed 000, from building the graph to the result on this client.
double seed_workload(troupe::client& client, long n) {
  auto t0 = clock_type::now();
  auto x = troupe::random::uniform({n, n}, {1000, 1000}, 0.0, 1.0, {.seed = 1});
  auto z = (x + x.T())["::2, 5000:"].mean(1).compute(client);
  double s = since(t0);
  if (z.size() != static_cast<std::size_t>(n / 2))
    throw std::runtime_error("seed workload: wrong result size");
  for (double v : z.values())  // means of sums of two uniform numbers
    if (v < 0.9 || v > 1.1)
      throw std::runtime_error("seed workload: a mean far from 1");
  return s;
}

struct figures {
  double up_s = 0, down_s = 0;
  std::vector<double> runs;
  double median() const {
    auto v = runs;
    std::sort(v.begin(), v.end());
    return v.empty() ? 0 : v[v.size() / 2];
  }
};

figures measure(const std::string& plugin, const troupe::cluster_options& options, int runs,
                long n) {
  figures f;
  auto t0 = clock_type::now();
  troupe::cluster cluster{plugin, options, std::chrono::seconds(120)};
  cluster.scale(2, std::chrono::seconds(120));
  f.up_s = since(t0);
  {
    troupe::client client{cluster};
    for (int i = 0; i < runs; ++i)
      f.runs.push_back(seed_workload(client, n));
  }
  auto t1 = clock_type::now();
  cluster.close();
  f.down_s = since(t1);
  return f;
}

void print(const char* name, const figures& f) {
  std::printf("%-6s scale(2)->connected %.2f s  close() %.2f s  seed runs:", name, f.up_s,
              f.down_s);
  for (double r : f.runs)
    std::printf(" %.3f", r);
  std::printf("  median %.3f s\n", f.median());
}

int usage() {
  std::fprintf(stderr,
               "usage: troupe-batch-bench --system slurm|sge --queue Q [--runs N] [--n SIDE] "
               "[--log-directory DIR]\n");
  return 2;
}

}  // namespace

int main(int argc, char** argv) {
  troupe::init(argc, argv);  // the workers (jobs and processes) run this program
  std::string system, queue, logs = "troupe-batch-logs";
  int runs = 5;
  long n = 20'000;
  for (int i = 1; i < argc; ++i) {
    std::string a = argv[i];
    auto next = [&]() -> std::string {
      if (i + 1 >= argc) {
        std::fprintf(stderr, "troupe-batch-bench: %s needs a value\n", a.c_str());
        std::exit(2);
      }
      return argv[++i];
    };
    if (a == "--system")
      system = next();
    else if (a == "--queue")
      queue = next();
    else if (a == "--runs")
      runs = std::atoi(next().c_str());
    else if (a == "--n")
      n = std::atol(next().c_str());
    else if (a == "--log-directory")
      logs = next();
    else
      return usage();
  }
  if (system.empty() || queue.empty() || runs < 1 || n < 10'000)
    return usage();
  try {
    auto local = measure("local",
                         {{"n_workers", std::int64_t{0}},
                          {"threads_per_worker", std::int64_t{1}},
                          {"processes", true}},
                         runs, n);
    auto batch = measure("batch",
                         {{"system", system},
                          {"queue", queue},
                          {"cores", std::int64_t{1}},
                          {"memory", std::string{"2 GiB"}},
                          {"walltime", std::string{"00:30:00"}},
                          {"log_directory", logs}},
                         runs, n);
    std::printf("seed 000 (%ld x %ld, 1000 x 1000 chunks), 2 workers x 1 thread, %d runs\n", n, n,
                runs);
    print("local", local);
    print(system.c_str(), batch);
    std::printf("batch_seed_s %.3f local_seed_s %.3f ratio %.2f\n", batch.median(),
                local.median(), batch.median() / local.median());
  } catch (const std::exception& e) {
    std::fprintf(stderr, "troupe-batch-bench: %s\n", e.what());
    return 1;
  }
  return 0;
}
