/* troupe plugin SDK v1: the C ABI between troupe (the host) and a cluster
 * backend plugin (a shared library such as libtroupe-local.so).
 *
 * Rules (docs/PLUGINS.md explains them):
 *  - Only C types cross. A plugin exports exactly two functions,
 *    troupe_plugin_negotiate() and troupe_plugin_get_table(); everything
 *    else is reached through the table they return.
 *  - The version is negotiated first; the host checks it before touching
 *    the table.
 *  - Every growable struct starts with `uint32_t struct_size`, set by whoever
 *    allocates it to sizeof() as it was compiled. Structs only grow at the
 *    end. A reader never reads a field that ends beyond struct_size (use
 *    TROUPE_HAS_FIELD); a slot that is NULL or beyond struct_size means
 *    "not supported".
 *  - Arrays of troupe_option_spec and troupe_option are fixed in v1: their
 *    layout never changes (a later version would add a new type instead).
 *  - Functions return 0 on success; on failure they return non-zero and fill
 *    the caller's troupe_error. Nothing throws across this boundary.
 *  - The host never calls one backend from two threads at once; callbacks
 *    into the host may come from any of the plugin's threads.
 *  - Each side frees what it allocated. Strings passed into a call are owned
 *    by the caller and valid only during that call unless said otherwise:
 *    copy what you keep.
 *
 * The header compiles as C99 and as C++. */
#ifndef TROUPE_SDK_PLUGIN_H
#define TROUPE_SDK_PLUGIN_H

#include <stddef.h>
#include <stdint.h>

#include "troupe/sdk/version.h"

#ifdef __cplusplus
extern "C" {
#endif

#if defined(_WIN32)
#  define TROUPE_PLUGIN_EXPORT __declspec(dllexport)
#else
#  define TROUPE_PLUGIN_EXPORT __attribute__((visibility("default")))
#endif

/* Names of the two exported functions, for the host's symbol look-up. */
#define TROUPE_PLUGIN_NEGOTIATE_SYMBOL "troupe_plugin_negotiate"
#define TROUPE_PLUGIN_GET_TABLE_SYMBOL "troupe_plugin_get_table"

/* True when the struct *s (which starts with struct_size) holds `field`. */
#define TROUPE_HAS_FIELD(s, type, field) \
  ((s)->struct_size >= offsetof(type, field) + sizeof(((type*)0)->field))

/* ---- errors ------------------------------------------------------------ */

#define TROUPE_ERROR_MESSAGE_SIZE 512

/* Allocated by the caller (usually on its stack) and zeroed; the callee
 * writes a NUL-terminated message (truncated to fit) and a code. */
typedef struct troupe_error {
  char message[TROUPE_ERROR_MESSAGE_SIZE];
  int code; /* one of troupe_error_code, or a backend's own positive value */
} troupe_error;

enum troupe_error_code {
  TROUPE_OK = 0,
  TROUPE_ERR_FAILED = 1,          /* anything else */
  TROUPE_ERR_INVALID_ARGUMENT = 2,
  TROUPE_ERR_NOT_SUPPORTED = 3,
  TROUPE_ERR_SYSTEM = 4,          /* an OS call failed (fork, exec, ...) */
  TROUPE_ERR_UNKNOWN_WORKER = 5
};

/* ---- options ----------------------------------------------------------- */

enum troupe_option_type {
  TROUPE_OPTION_BOOL = 0,
  TROUPE_OPTION_INT = 1,
  TROUPE_OPTION_FLOAT = 2,
  TROUPE_OPTION_STRING = 3,
  TROUPE_OPTION_BYTES = 4,    /* an integer or a string with a unit: "2 GiB" */
  TROUPE_OPTION_DURATION = 5  /* seconds as a number, or "30 s", "500 ms" */
};

/* One entry of a plugin's options schema. The array and every string in it
 * are owned by the plugin and live as long as the library is loaded. */
typedef struct troupe_option_spec {
  const char* key;           /* e.g. "n_workers"; never NULL */
  uint32_t type;             /* a troupe_option_type */
  int required;              /* non-zero: the user must give it */
  const char* default_value; /* as text ("4", "true", "2 GiB"); NULL: none */
  const char* help;          /* one line; may be NULL */
} troupe_option_spec;

/* One option value passed to create(). The host has checked it against the
 * schema and converted it to the schema's type; options the user left out
 * that have a default_value are included with that value. The array and its
 * strings are owned by the host and valid only during create(). */
typedef struct troupe_option {
  const char* key;
  uint32_t type;             /* the schema's troupe_option_type */
  int bool_value;            /* BOOL: 0 or 1 */
  int64_t int_value;         /* INT; BYTES in bytes; DURATION in nanoseconds;
                                BOOL as 0/1 */
  double float_value;        /* FLOAT; INT and BYTES as double; DURATION in
                                seconds */
  const char* string_value;  /* STRING: the value; other types: the value as
                                text. Never NULL. */
} troupe_option;

/* ---- launching workers ------------------------------------------------- */

/* What a worker needs to join the cluster. Allocated by the host; the
 * pointers and strings are valid only during the call that receives it. */
typedef struct troupe_launch_spec {
  uint32_t struct_size;
  const char* scheduler_address;  /* "tcp://host:port" */
  const char* const* argv;        /* the worker command, NULL-terminated;
                                     argv[0] is the program (a path, or a name
                                     looked up in PATH) */
  const char* const* env;         /* "K=V" entries added to the worker's
                                     environment, NULL-terminated; may be NULL */
  uint32_t threads_per_worker;    /* 0: the backend's option or default */
  uint64_t memory_limit;          /* bytes per worker; 0: the backend's option
                                     or default */
  const char* name_prefix;        /* workers are named "<prefix>-<i>"; NULL or
                                     "": the backend's option or default */
} troupe_launch_spec;

/* start_workers(..., n = TROUPE_WORKERS_DEFAULT): the backend's configured
 * number of workers (the local plugin's n_workers option). */
#define TROUPE_WORKERS_DEFAULT UINT32_MAX

/* ---- status ------------------------------------------------------------ */

enum troupe_worker_state {
  TROUPE_WORKER_STARTING = 0,
  TROUPE_WORKER_RUNNING = 1,
  TROUPE_WORKER_STOPPING = 2,  /* asked to stop, not gone yet */
  TROUPE_WORKER_EXITED = 3,    /* gone: stopped, or exited with code 0 */
  TROUPE_WORKER_FAILED = 4     /* gone without being asked */
};

#define TROUPE_WORKER_ID_SIZE 128

/* One worker as the backend sees it. */
typedef struct troupe_worker_info {
  uint32_t struct_size;
  int32_t state;      /* a troupe_worker_state */
  int64_t pid;        /* process id; -1 when there is none (in-process) */
  int32_t exit_code;  /* once gone: the exit status, or -signal when killed */
  char id[TROUPE_WORKER_ID_SIZE]; /* NUL-terminated worker name */
} troupe_worker_info;

/* Filled by status(). Allocated by the host, which sets struct_size and the
 * two worker_* fields; the plugin writes only fields within struct_size. */
typedef struct troupe_status {
  uint32_t struct_size;
  uint32_t requested;  /* workers the backend is asked to keep running */
  uint32_t running;    /* processes (or in-process workers) alive now */
  uint32_t exited;     /* workers that have gone, since create() */
  /* Called once per known worker during status(); may be NULL. `info` is
   * owned by the plugin and valid only during the call; check its
   * struct_size before reading fields added after v1. Must not call back
   * into the backend. */
  void (*worker)(void* worker_ctx, const troupe_worker_info* info);
  void* worker_ctx;
} troupe_status;

/* ---- host callbacks ---------------------------------------------------- */

enum troupe_log_level {
  TROUPE_LOG_TRACE = 0,
  TROUPE_LOG_DEBUG = 1,
  TROUPE_LOG_INFO = 2,
  TROUPE_LOG_WARN = 3,
  TROUPE_LOG_ERROR = 4,
  TROUPE_LOG_CRITICAL = 5
};

enum troupe_worker_event {
  TROUPE_EVENT_STARTED = 0,
  TROUPE_EVENT_EXITED = 1,  /* stopped by the backend, or exited with 0 */
  TROUPE_EVENT_FAILED = 2   /* died on its own: non-zero exit or a signal */
};

/* What the host offers the plugin. Owned by the host; the pointer passed to
 * create() stays valid until destroy() returns. Callbacks may be called from
 * any plugin thread, concurrently; they never throw. Strings passed to them
 * are owned by the plugin and valid only during the call. */
typedef struct troupe_host_api {
  uint32_t struct_size;
  void* host_ctx;  /* passed back as the first argument of every callback */
  void (*log)(void* host_ctx, int level, const char* msg);
  /* exit_code: the exit status, or -signal when killed by a signal; 0 for
   * STARTED. detail: a human-readable line ("killed by signal 9 (SIGKILL)");
   * may be NULL. */
  void (*worker_event)(void* host_ctx, const char* worker_id, int event, int exit_code,
                       const char* detail);
  /* Optional (NULL or beyond struct_size: the host cannot): run a worker
   * inside the host process, as threads, for backends that have no process
   * of their own (the local plugin with processes = false). */
  int (*start_inprocess_worker)(void* host_ctx, const troupe_launch_spec* spec,
                                const char* name, troupe_error* err);
  int (*stop_inprocess_worker)(void* host_ctx, const char* name, troupe_error* err);
} troupe_host_api;

/* ---- the plugin's function table --------------------------------------- */

/* A backend instance; its layout belongs to the plugin. */
typedef struct troupe_backend troupe_backend;

/* Owned by the plugin; lives as long as the library is loaded. */
typedef struct troupe_plugin_table {
  uint32_t struct_size;   /* sizeof(troupe_plugin_table) as the plugin saw it */
  uint32_t sdk_version;   /* the SDK version the plugin was built with; at
                             least the negotiated one (tables only grow) */
  const char* name;       /* e.g. "local" */
  const char* description;
  const troupe_option_spec* options; /* the schema; may be NULL if n_options is 0 */
  size_t n_options;

  /* Required slots. */

  /* Makes a backend. `host` stays valid until destroy(); `options` only
   * during this call. On success *out is the new backend, which the host
   * gives back to destroy() (never to free()). */
  int (*create)(const troupe_host_api* host, const troupe_option* options, size_t n_options,
                troupe_backend** out, troupe_error* err);
  /* Starts n more workers (n = TROUPE_WORKERS_DEFAULT: the configured
   * number). Returns once they are launched, not once they have joined. */
  int (*start_workers)(troupe_backend* backend, const troupe_launch_spec* spec, uint32_t n,
                       troupe_error* err);
  /* Starts or stops workers until n are requested; stops the newest first.
   * Stopping is asynchronous: exits are reported through worker_event. */
  int (*scale)(troupe_backend* backend, const troupe_launch_spec* spec, uint32_t n,
               troupe_error* err);
  /* Stops one worker by id (asynchronously). An unknown id is
   * TROUPE_ERR_UNKNOWN_WORKER; a worker already gone is not an error. */
  int (*stop_worker)(troupe_backend* backend, const char* worker_id, troupe_error* err);
  /* Stops every worker and returns once they are gone (or a bounded time
   * has passed, which is an error). */
  int (*stop_all)(troupe_backend* backend, troupe_error* err);
  /* Fills *out (see troupe_status). */
  int (*status)(troupe_backend* backend, troupe_status* out, troupe_error* err);
  /* Stops every worker and frees the backend. Never fails. */
  void (*destroy)(troupe_backend* backend);

  /* Optional slots (NULL or beyond struct_size: not supported). */

  /* Fills *out (allocated by the host, which sets struct_size) for one
   * worker. An unknown id is TROUPE_ERR_UNKNOWN_WORKER. */
  int (*describe_worker)(troupe_backend* backend, const char* worker_id,
                         troupe_worker_info* out, troupe_error* err);

  /* Answers a question whose answer is text, by calling sink once with it
   * (the text need not be NUL-terminated; it is valid only during that
   * call). A question the backend does not answer is TROUPE_ERR_NOT_SUPPORTED.
   * The questions are the TROUPE_QUERY_* below. */
  int (*query)(troupe_backend* backend, const char* what, const troupe_launch_spec* spec,
               void (*sink)(void* sink_ctx, const char* text, size_t size), void* sink_ctx,
               troupe_error* err);
} troupe_plugin_table;

/* query(): the exact text a worker started with `spec` runs, e.g. a batch
 * job script (Dask's cluster.job_script()). */
#define TROUPE_QUERY_JOB_SCRIPT "job_script"
/* query(): the host name or address the host's scheduler should listen on
 * so that the backend's workers reach it (e.g. the address of a network
 * interface the compute nodes see); "" leaves it to the host (loopback).
 * Asked before the scheduler starts; `spec` is NULL. */
#define TROUPE_QUERY_SCHEDULER_HOST "scheduler_host"
/* query(): the address ("tcp://host:port") of a scheduler the backend has
 * started itself (e.g. as a batch job of its own), which the host then
 * connects to instead of running one; "" (or not supported): the host runs
 * the scheduler. Asked once, first; may take as long as starting it takes.
 * `spec->argv` is the command that runs a troupe scheduler (the host's own
 * program with --troupe-scheduler); its scheduler_address is "". */
#define TROUPE_QUERY_SCHEDULER_ADDRESS "scheduler_address"

/* The smallest table a v1 host accepts: everything up to `destroy`. */
#define TROUPE_PLUGIN_TABLE_V1_MIN_SIZE \
  (offsetof(troupe_plugin_table, destroy) + sizeof(void (*)(troupe_backend*)))

/* ---- the two exported functions ---------------------------------------- */

/* Called first. The plugin sets *plugin_version to the version it will
 * speak: min(its own, host_max_version). Returns 0, or non-zero when it
 * cannot speak any version up to host_max_version (then *plugin_version is
 * the oldest it could). */
typedef int (*troupe_plugin_negotiate_fn)(uint32_t host_max_version, uint32_t* plugin_version);

/* Returns the table for a negotiated version, or NULL. */
typedef const troupe_plugin_table* (*troupe_plugin_get_table_fn)(uint32_t version);

/* What a plugin defines (declared here so a wrong signature does not compile). */
TROUPE_PLUGIN_EXPORT int troupe_plugin_negotiate(uint32_t host_max_version,
                                                 uint32_t* plugin_version);
TROUPE_PLUGIN_EXPORT const troupe_plugin_table* troupe_plugin_get_table(uint32_t version);

#ifdef __cplusplus
} /* extern "C" */
#endif

#endif /* TROUPE_SDK_PLUGIN_H */
