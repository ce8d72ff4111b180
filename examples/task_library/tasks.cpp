// A task library: functions that workers load at run time with
//   troupe worker tcp://127.0.0.1:8786 --load build/examples/libexample_tasks.so
// Built with troupe_add_task_library(), so TROUPE_TASK fills this library's
// own table and workers call it only through the exported C table.
#include <cmath>
#include <stdexcept>
#include <vector>

#include <troupe/task_library.hpp>

namespace {

double norm(const std::vector<double>& v) {
  double s = 0;
  for (double x : v)
    s += x * x;
  return std::sqrt(s);
}

std::int64_t collatz_steps(std::int64_t n) {
  if (n < 1)
    throw std::invalid_argument("collatz_steps needs n >= 1, got " + std::to_string(n));
  std::int64_t steps = 0;
  for (; n != 1; ++steps)
    n = n % 2 ? 3 * n + 1 : n / 2;
  return steps;
}

} // namespace

TROUPE_TASK(norm, collatz_steps);
TROUPE_TASK_LIBRARY();
