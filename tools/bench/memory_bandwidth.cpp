#include "memory_bandwidth.hpp"

#include <algorithm>
#include <barrier>
#include <chrono>
#include <cstring>
#include <limits>
#include <memory>
#include <stdexcept>
#include <thread>
#include <vector>

namespace troupe::bench {

namespace {

using clock_type = std::chrono::steady_clock;

// STREAM's constants: b and c keep their values, so a and c end as known
// numbers whatever the repetition count, and the check below can read them.
constexpr double b_value = 2.0;
constexpr double scalar = 3.0;

// Best time of each kernel. The barrier runs step() once per phase, while
// every thread waits, so the clock starts when all threads are released and
// stops when the last one arrives: the slowest share decides, as it should.
struct kernel_clock {
  clock_type::time_point start;
  int phase = 0;
  double copy_s = std::numeric_limits<double>::infinity();
  double triad_s = std::numeric_limits<double>::infinity();

  void step() noexcept {
    auto now = clock_type::now();
    double s = std::chrono::duration<double>(now - start).count();
    switch (phase++ % 3) {
      case 0: break;                                    // all ready: copy starts
      case 1: copy_s = std::min(copy_s, s); break;      // copy done: triad starts
      case 2: triad_s = std::min(triad_s, s); break;    // triad done
    }
    start = clock_type::now();
  }
};

// __restrict: the arrays never overlap, and saying so lets the compiler
// vectorise without a run-time overlap check (GCC 12 does at -O3; at -O2 it
// stays scalar, about 5% slower here: the loop waits on memory either way).
void triad(double* __restrict a, const double* __restrict b, const double* __restrict c,
           std::size_t n) {
  for (std::size_t i = 0; i < n; ++i)
    a[i] = b[i] + scalar * c[i];
}

}  // namespace

bandwidth measure_memory_bandwidth(std::size_t bytes_per_array, int repetitions,
                                   int threads) {
  threads = std::max(threads, 1);
  repetitions = std::max(repetitions, 1);
  std::size_t n = std::max<std::size_t>(bytes_per_array / sizeof(double), 1);
  // _for_overwrite: no value-initialisation, so no page is touched here; each
  // thread touches its own share first, and on a NUMA machine that share is
  // then placed on the thread's node (STREAM's first-touch rule).
  auto a = std::make_unique_for_overwrite<double[]>(n);
  auto b = std::make_unique_for_overwrite<double[]>(n);
  auto c = std::make_unique_for_overwrite<double[]>(n);

  kernel_clock clock;
  auto on_phase = [&clock]() noexcept { clock.step(); };
  std::barrier sync(threads, on_phase);

  auto share = [&](int t) {
    // contiguous shares: each thread streams through its own range, as the
    // element-wise benchmark's workers stream through their own chunks
    std::size_t lo = n * static_cast<std::size_t>(t) / static_cast<std::size_t>(threads);
    std::size_t hi = n * static_cast<std::size_t>(t + 1) / static_cast<std::size_t>(threads);
    std::size_t len = hi - lo;
    std::fill_n(a.get() + lo, len, 1.0);
    std::fill_n(b.get() + lo, len, b_value);
    std::fill_n(c.get() + lo, len, 0.0);
    for (int r = 0; r < repetitions; ++r) {
      sync.arrive_and_wait();
      std::memcpy(c.get() + lo, b.get() + lo, len * sizeof(double));  // c = b
      sync.arrive_and_wait();
      triad(a.get() + lo, b.get() + lo, c.get() + lo, len);  // a = b + s * c
      sync.arrive_and_wait();
    }
  };
  {
    std::vector<std::jthread> pool;
    pool.reserve(static_cast<std::size_t>(threads));
    for (int t = 0; t < threads; ++t)
      pool.emplace_back(share, t);
  }  // joined here

  // Reading the results keeps the compiler from dropping the kernels, and
  // catches a share that was skipped.
  for (std::size_t i : {std::size_t{0}, n / 2, n - 1})
    if (c[i] != b_value || a[i] != b_value + scalar * b_value)
      throw std::logic_error("measure_memory_bandwidth: wrong kernel result");

  // Bytes read plus bytes written, as STREAM counts them. Stores to memory not
  // in cache also read the line first (write-allocate) unless the code uses
  // non-temporal stores, as large memcpys do: STREAM ignores that traffic,
  // and so do we, so the figures compare with its published ones and with
  // the element-wise benchmark, which counts its arrays the same way.
  double bytes = static_cast<double>(n * sizeof(double));
  return {2 * bytes / clock.copy_s / 1e9, 3 * bytes / clock.triad_s / 1e9};
}

}  // namespace troupe::bench
