// A task library for tests: loaded by `troupe worker --load`.
#include <stdexcept>
#include <string>

#include <troupe/task_library.hpp>

namespace {
int cube(int x) { return x * x * x; }
std::string shout(const std::string& s) {
  if (s.empty())
    throw std::invalid_argument("shout: nothing to shout");
  return s + "!";
}
} // namespace

TROUPE_TASK(cube, shout);
TROUPE_TASK_LIBRARY();
