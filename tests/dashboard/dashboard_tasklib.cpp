// The dashboard process test's tasks as a library for `troupe worker --load`.
#include <troupe/task_library.hpp>

#include "dashboard_tasks.hpp"

TROUPE_TASK(dash_blob, dash_checksum);
TROUPE_TASK_LIBRARY();
