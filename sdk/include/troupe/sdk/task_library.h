/* troupe task libraries: the one C table through which a worker calls the
 * tasks of a shared object loaded with `troupe worker --load LIB.so`.
 *
 * A library defines it with TROUPE_TASK_LIBRARY() (troupe/task_library.hpp);
 * the worker calls the exported function below, checks the size and version
 * of the table, and from then on calls tasks only through `invoke`.
 * Rules (as for cluster plugins): the table only grows at the end; each side
 * frees what it allocated; no exception crosses the boundary. */
#ifndef TROUPE_SDK_TASK_LIBRARY_H
#define TROUPE_SDK_TASK_LIBRARY_H

#include <stddef.h>
#include <stdint.h>

#ifdef __cplusplus
extern "C" {
#endif

#define TROUPE_TASK_LIBRARY_ABI 1
#define TROUPE_TASK_LIBRARY_SYMBOL "troupe_task_library"

/* Bytes allocated by the library; released with the table's free_buffer. */
typedef struct troupe_task_buffer {
  char* data;
  size_t size;
} troupe_task_buffer;

typedef struct troupe_task_table {
  uint32_t struct_size; /* sizeof(troupe_task_table) as the library was built */
  uint32_t abi_version; /* TROUPE_TASK_LIBRARY_ABI of the library */
  uint32_t n_tasks;
  const char* const* names;      /* n_tasks task names, owned by the library */
  const char* const* signatures; /* n_tasks mangled function types */
  const char* build_id;          /* identity of the library's task code */
  /* Calls task `index` with `args`, a msgpack array of its arguments.
   * Returns 0 and the msgpack result in *out, or non-zero and, in *out,
   * the exception type, a NUL byte, and its message. */
  int (*invoke)(uint32_t index, const char* args, size_t args_size, troupe_task_buffer* out);
  void (*free_buffer)(troupe_task_buffer* buffer);
} troupe_task_table;

/* Exported by every task library: the table for a host speaking
 * `host_abi`, or NULL when the library cannot serve it. */
typedef const troupe_task_table* (*troupe_task_library_fn)(uint32_t host_abi);

#ifdef __cplusplus
}
#endif

#endif
