// troupe-bench's array workloads. Each runs in a child process of its own
// (this same program with --array-workload NAME), so that its peak memory is
// its own; the child reports its peak RSS (VmHWM) with its figures.
#pragma once

#include <string>

namespace troupe::bench {

struct array_options {
  long seed_n = 20'000;       // the seed workload's square side
  long big_n = 100'000;       // bigger-than-memory square side (80 GB at 100,000)
  double elementwise_gb = 8;  // a, b, c and the result together
  long kmeans_n = 10'000'000;
};

struct array_figures {
  double seed_s = 0, seed_peak_mb = 0;
  double big_s = 0, big_peak_mb = 0;
  double elementwise_gb_per_s = 0, elementwise_peak_mb = 0;
  double kmeans_s = 0, kmeans_peak_mb = 0;
  long kmeans_iterations = 0;
};

/// Runs every workload, each in a child process.
array_figures run_array_benchmarks(const char* self, const array_options& o);

/// The child's side: runs one workload on an in-process cluster (2 workers
/// x 1 thread) and prints its figures as one JSON object on stdout.
int run_array_workload(const std::string& name, long size);

} // namespace troupe::bench
