// Task libraries: shared objects whose TROUPE_TASK functions a worker loads
// at run time (`troupe worker --load libmytasks.so`), as Ray loads user code.
//
//   // mytasks.cpp, built with troupe_add_task_library(mytasks mytasks.cpp)
//   #include <troupe/task_library.hpp>
//   int square(int x) { return x * x; }
//   TROUPE_TASK(square);
//   TROUPE_TASK_LIBRARY();
//
// In a library, TROUPE_TASK registers into the library's own table (the
// build defines TROUPE_BUILDING_TASK_LIBRARY), never into the worker's
// registry: the worker reaches the tasks only through the exported C table.
#pragma once

#include <cstdlib>
#include <cstring>
#include <exception>
#include <string>
#include <vector>

#include <cxxabi.h>

#include "troupe/sdk/task_library.h"
#include "troupe/task.hpp"

namespace troupe::detail {

struct library_table_storage {
  std::vector<const char*> names, signatures;
  std::string build_id;
  troupe_task_table table{};
};

inline int library_invoke(const std::vector<task_entry>& tasks, std::uint32_t index,
                          const char* args, std::size_t size, troupe_task_buffer* out) {
  std::string result;
  int status = 0;
  try {
    if (index >= tasks.size())
      throw std::out_of_range("task index " + std::to_string(index) + " out of range");
    msgpack::object_handle h = msgpack::unpack(args, size);
    tasks[index].invoke(h.get(), result);
  } catch (const std::exception& e) {
    int st = 0;
    const char* mangled = abi::__cxa_current_exception_type()->name();
    char* name = abi::__cxa_demangle(mangled, nullptr, nullptr, &st);
    result = st == 0 && name ? name : mangled;
    std::free(name);
    result.push_back('\0');
    result += e.what();
    status = 1;
  } catch (...) {
    result = std::string{"unknown"} + '\0' + "a non-standard exception was thrown";
    status = 1;
  }
  out->data = static_cast<char*>(std::malloc(result.size() ? result.size() : 1));
  out->size = result.size();
  if (out->data)
    std::memcpy(out->data, result.data(), result.size());
  else
    out->size = 0;
  return status;
}

inline void library_free(troupe_task_buffer* b) {
  std::free(b->data);
  b->data = nullptr;
  b->size = 0;
}

inline void fill_library_table(library_table_storage& s, const std::vector<task_entry>& tasks,
                               int (*invoke)(uint32_t, const char*, size_t,
                                             troupe_task_buffer*)) {
  for (auto& e : tasks) {
    s.names.push_back(e.name.c_str());
    s.signatures.push_back(e.signature);
  }
  s.table.struct_size = sizeof(troupe_task_table);
  s.table.abi_version = TROUPE_TASK_LIBRARY_ABI;
  s.table.n_tasks = static_cast<uint32_t>(s.names.size());
  s.table.names = s.names.data();
  s.table.signatures = s.signatures.data();
  s.table.build_id = "";
  s.table.invoke = invoke;
  s.table.free_buffer = &library_free;
}

} // namespace troupe::detail

/// Exports the library's task table. Use once per library, in one source file.
#define TROUPE_TASK_LIBRARY()                                                              \
  __attribute__((visibility("hidden"))) std::vector<::troupe::detail::task_entry>&         \
  troupe_library_tasks() {                                                                 \
    static std::vector<::troupe::detail::task_entry> tasks;                                \
    return tasks;                                                                          \
  }                                                                                        \
  static int troupe_library_invoke(uint32_t i, const char* a, size_t n,                    \
                                   troupe_task_buffer* out) {                              \
    return ::troupe::detail::library_invoke(troupe_library_tasks(), i, a, n, out);         \
  }                                                                                        \
  extern "C" __attribute__((visibility("default"))) const troupe_task_table*               \
  troupe_task_library(uint32_t host_abi) {                                                 \
    if (host_abi < 1)                                                                      \
      return nullptr;                                                                      \
    static ::troupe::detail::library_table_storage storage;                                \
    static const bool filled = (::troupe::detail::fill_library_table(                      \
                                  storage, troupe_library_tasks(), &troupe_library_invoke), \
                                true);                                                     \
    (void)filled;                                                                          \
    return &storage.table;                                                                 \
  }
