// The machine's memory bandwidth, measured the STREAM way, so that troupe-bench
// can show how close the element-wise array workload comes to what the memory
// can deliver at all.
#pragma once

#include <cstddef>

namespace troupe::bench {

/// Sustained memory bandwidth in GB/s (10^9 bytes per second), counting the
/// bytes a kernel reads plus the bytes it writes, as STREAM does.
struct bandwidth {
  double copy_gb_per_s;   ///< std::memcpy of one array into another (2 x bytes)
  double triad_gb_per_s;  ///< a[i] = b[i] + s * c[i] over doubles (3 x 8 bytes each)
};

/// Runs copy and triad over arrays of `bytes_per_array` bytes, each of
/// `threads` threads on its own contiguous share, and returns the best of
/// `repetitions` runs of each. Takes 3 x bytes_per_array of memory while it runs.
/// Defaults: 512 MiB arrays are far past the caches (on the 2-core dev machine,
/// which reports 300 MiB of L3, 2 GiB arrays give the same figures); the best
/// of 5 is the run least disturbed by other processes, as in STREAM; 2 threads
/// because the element-wise benchmark runs on 2 workers x 1 thread.
bandwidth measure_memory_bandwidth(std::size_t bytes_per_array = 512ull << 20,
                                   int repetitions = 5, int threads = 2);

}  // namespace troupe::bench
