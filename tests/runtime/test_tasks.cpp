#include "test_tasks.hpp"

#include <unistd.h>

#include <chrono>
#include <cmath>
#include <condition_variable>
#include <mutex>
#include <numeric>
#include <stdexcept>

#include <troupe/task.hpp>

namespace test_tasks {

std::atomic<int> flaky_failures{0};
std::atomic<int> flaky_calls{0};
std::atomic<int> counted_calls{0};

namespace {
std::mutex gate_mutex;
std::condition_variable gate_cv;
bool gates[64] = {};
} // namespace

void open_gate(int gate) {
  {
    std::lock_guard lock{gate_mutex};
    gates[gate] = true;
  }
  gate_cv.notify_all();
}

void reset_gates() {
  std::lock_guard lock{gate_mutex};
  for (auto& g : gates)
    g = false;
}

int gated(int gate) {
  std::unique_lock lock{gate_mutex};
  // A bound, so a failing test cannot hang the suite.
  if (!gate_cv.wait_for(lock, std::chrono::seconds(20), [&] { return gates[gate]; }))
    throw std::runtime_error("gate " + std::to_string(gate) + " never opened");
  return gate;
}

int square(int x) { return x * x; }
int add(int x, int y) { return x + y; }
double square_root(int x) { return std::sqrt(x); }
long inc(long x) { return x + 1; }
std::vector<long> make_vector(long n) {
  std::vector<long> v(static_cast<std::size_t>(n));
  std::iota(v.begin(), v.end(), 0L);
  return v;
}
long sum_vector(std::vector<long> xs) { return std::accumulate(xs.begin(), xs.end(), 0L); }
long fails_on_3(long x) {
  if (x == 3)
    throw std::invalid_argument("three is not allowed");
  return x;
}
long inc_after(long x) { return x + 1; }
long flaky(long x) {
  ++flaky_calls;
  if (flaky_failures.fetch_sub(1) > 0)
    throw std::runtime_error("flaky failure");
  return x;
}
long counted(long x) {
  ++counted_calls;
  return x;
}
std::vector<long> counted_vector(long x) {
  ++counted_calls;
  return std::vector<long>(16, x);
}
int pid() { return static_cast<int>(getpid()); }
int throws_int(int x) { throw x; }

} // namespace test_tasks

using namespace test_tasks;
TROUPE_TASK(square, add, square_root, inc, make_vector, sum_vector, fails_on_3, inc_after, gated,
            flaky, counted, counted_vector, pid, throws_int);
