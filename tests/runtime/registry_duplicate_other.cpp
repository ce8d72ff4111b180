// The second registration of the name "twin" (see registry_duplicate_test.cpp).
#include <troupe/task.hpp>

namespace {
int twin(int x) { return x - 1; }
} // namespace

TROUPE_TASK(twin);
