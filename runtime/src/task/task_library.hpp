// A task library loaded into a worker with Boost.DLL: its tasks join this
// process's registry as entries that call the library's C table.
#pragma once

#include <memory>
#include <stdexcept>
#include <string>

#include <msgpack.hpp>

#include "troupe/task.hpp"

namespace troupe::internal {

class task_library {
public:
  /// Loads `path` and registers its tasks. Throws config_error saying what is
  /// wrong: not found, not a shared library, no task table, ABI too old,
  /// a task name that already exists.
  explicit task_library(const std::string& path);
  ~task_library();
  task_library(const task_library&) = delete;
  task_library& operator=(const task_library&) = delete;

  std::size_t size() const;

private:
  struct impl;
  std::unique_ptr<impl> impl_;
};

/// What a library task threw, with the exception's type name as the
/// library saw it.
struct library_task_exception : std::runtime_error {
  library_task_exception(std::string type, const std::string& what)
    : std::runtime_error(what), type_name(std::move(type)) {}
  std::string type_name;
};

/// Runs a registered task, whether linked in or from a task library.
void call_task(const detail::task_entry& entry, const msgpack::object& args, std::string& out);

} // namespace troupe::internal
