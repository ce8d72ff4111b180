// What the runtime itself may do to the task registry beyond TROUPE_TASK.
#pragma once

#include <string>
#include <vector>

#include "troupe/task.hpp"

namespace troupe::internal {

/// Adds the tasks of a loaded task library (names checked by the caller).
void register_library_tasks(std::vector<detail::task_entry> entries);
/// Removes tasks by name (a task library being unloaded).
void unregister_tasks(const std::vector<std::string>& names);

} // namespace troupe::internal
