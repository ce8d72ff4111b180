/* A small plugin in plain C99 against plugin.h alone, built once as a good
 * plugin ("cplugin") and several times with one thing broken (one macro
 * each, see CMakeLists.txt). Workers are only counted; events are real. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <troupe/sdk/plugin.h>

struct troupe_backend {
  const troupe_host_api* host;
  uint32_t requested;
  uint32_t next;
};

static int fail(troupe_error* err, int code, const char* msg) {
  if (err) {
    err->code = code;
    snprintf(err->message, sizeof err->message, "%s", msg);
  }
  return code;
}

#ifdef BROKEN_UNDEFINED_SYMBOL
/* Never defined anywhere: RTLD_NOW must refuse the library at load. */
extern int troupe_test_function_that_does_not_exist(void);
#endif

static int c_create(const troupe_host_api* host, const troupe_option* options, size_t n,
                    troupe_backend** out, troupe_error* err) {
  troupe_backend* b;
  size_t i;
#ifdef BROKEN_UNDEFINED_SYMBOL
  if (troupe_test_function_that_does_not_exist() == 42)
    return fail(err, TROUPE_ERR_FAILED, "impossible");
#endif
  for (i = 0; i < n; ++i)
    if (strcmp(options[i].key, "fail") == 0 && options[i].bool_value)
      return fail(err, TROUPE_ERR_INVALID_ARGUMENT, "cplugin: asked to fail");
  b = (troupe_backend*)calloc(1, sizeof *b);
  if (!b)
    return fail(err, TROUPE_ERR_FAILED, "out of memory");
  b->host = host;
  *out = b;
  if (host->log)
    host->log(host->host_ctx, TROUPE_LOG_INFO, "cplugin: created");
  return 0;
}

static int c_start_workers(troupe_backend* b, const troupe_launch_spec* spec, uint32_t n,
                           troupe_error* err) {
  char id[64];
  uint32_t i;
  const char* prefix = spec->name_prefix && *spec->name_prefix ? spec->name_prefix : "c";
  (void)err;
  if (n == TROUPE_WORKERS_DEFAULT)
    n = 1;
  for (i = 0; i < n; ++i) {
    snprintf(id, sizeof id, "%s-%u", prefix, (unsigned)b->next++);
    b->host->worker_event(b->host->host_ctx, id, TROUPE_EVENT_STARTED, 0, "counted");
  }
  b->requested += n;
  return 0;
}

static int c_scale(troupe_backend* b, const troupe_launch_spec* spec, uint32_t n,
                   troupe_error* err) {
  (void)spec;
  (void)err;
  b->requested = n;
  return 0;
}

static int c_stop_worker(troupe_backend* b, const char* id, troupe_error* err) {
  (void)b;
  return fail(err, TROUPE_ERR_UNKNOWN_WORKER, id);
}

static int c_stop_all(troupe_backend* b, troupe_error* err) {
  (void)err;
  b->requested = 0;
  return 0;
}

static int c_status(troupe_backend* b, troupe_status* out, troupe_error* err) {
  troupe_worker_info info;
  (void)err;
  out->requested = b->requested;
  out->running = b->requested;
  out->exited = 0;
  if (TROUPE_HAS_FIELD(out, troupe_status, worker_ctx) && out->worker) {
    memset(&info, 0, sizeof info);
    info.struct_size = sizeof info;
    info.state = TROUPE_WORKER_RUNNING;
    info.pid = -1;
    snprintf(info.id, sizeof info.id, "c-summary");
    out->worker(out->worker_ctx, &info);
  }
  return 0;
}

static void c_destroy(troupe_backend* b) { free(b); }

#ifndef BROKEN_OLD_TABLE
static int c_describe_worker(troupe_backend* b, const char* id, troupe_worker_info* out,
                             troupe_error* err) {
  (void)b;
  if (strcmp(id, "c-0") != 0)
    return fail(err, TROUPE_ERR_UNKNOWN_WORKER, id);
  out->state = TROUPE_WORKER_RUNNING;
  out->pid = 4242;
  out->exit_code = 0;
  snprintf(out->id, sizeof out->id, "%s", id);
  return 0;
}
#endif

static const troupe_option_spec schema[] = {
    {"count", TROUPE_OPTION_INT, 0, "3", "an integer"},
    {"ratio", TROUPE_OPTION_FLOAT, 0, "0.5", "a number"},
    {"label", TROUPE_OPTION_STRING, 0, "x", "a string"},
    {"fail", TROUPE_OPTION_BOOL, 0, "false", "create fails"},
    {"size", TROUPE_OPTION_BYTES, 0, "1 KiB", "bytes"},
    {"timeout", TROUPE_OPTION_DURATION, 0, "2 s", "a duration"},
    {"token", TROUPE_OPTION_STRING, 1, NULL, "a required string"},
    {"note", TROUPE_OPTION_STRING, 0, NULL, "no default"}};

#ifdef BROKEN_OLD_TABLE
/* The table as an older, smaller v1 had it: up to destroy, no
 * describe_worker. A host that read past struct_size would find the
 * pointer that follows and take it for describe_worker. */
struct old_table {
  uint32_t struct_size;
  uint32_t sdk_version;
  const char* name;
  const char* description;
  const troupe_option_spec* options;
  size_t n_options;
  int (*create)(const troupe_host_api*, const troupe_option*, size_t, troupe_backend**,
                troupe_error*);
  int (*start_workers)(troupe_backend*, const troupe_launch_spec*, uint32_t, troupe_error*);
  int (*scale)(troupe_backend*, const troupe_launch_spec*, uint32_t, troupe_error*);
  int (*stop_worker)(troupe_backend*, const char*, troupe_error*);
  int (*stop_all)(troupe_backend*, troupe_error*);
  int (*status)(troupe_backend*, troupe_status*, troupe_error*);
  void (*destroy)(troupe_backend*);
};

static int poison(troupe_backend* b, const char* id, troupe_worker_info* out,
                  troupe_error* err) {
  (void)b, (void)id, (void)out, (void)err;
  abort();
}

static const struct {
  struct old_table table;
  int (*after)(troupe_backend*, const char*, troupe_worker_info*, troupe_error*);
} old = {{sizeof(struct old_table), 1, "oldtable", "a v1 table without describe_worker", schema,
          sizeof schema / sizeof schema[0], c_create, c_start_workers, c_scale, c_stop_worker,
          c_stop_all, c_status, c_destroy},
         poison};
#else
static const troupe_plugin_table table = {
    sizeof(troupe_plugin_table),
    TROUPE_SDK_VERSION,
    PLUGIN_NAME,
    "a plugin in C for the loader's tests",
    schema,
    sizeof schema / sizeof schema[0],
    c_create,
    c_start_workers,
    c_scale,
#ifdef BROKEN_NULL_SLOT
    NULL,
#else
    c_stop_worker,
#endif
    c_stop_all,
    c_status,
    c_destroy,
    c_describe_worker,
    NULL /* query: this plugin answers no questions (no job script) */};
#endif

#ifndef BROKEN_NO_NEGOTIATE
int troupe_plugin_negotiate(uint32_t host_max_version, uint32_t* plugin_version) {
#if defined(BROKEN_FUTURE_VERSION)
  (void)host_max_version;
  *plugin_version = 99; /* claims success with a version the host does not know */
  return 0;
#elif defined(BROKEN_REFUSES)
  (void)host_max_version;
  *plugin_version = 7; /* needs at least 7 */
  return 1;
#else
  *plugin_version = host_max_version < TROUPE_SDK_VERSION ? host_max_version : TROUPE_SDK_VERSION;
  return host_max_version >= 1 ? 0 : 1;
#endif
}
#endif

#ifdef BROKEN_NO_GET_TABLE
/* A typo in the entry point's name. */
TROUPE_PLUGIN_EXPORT const troupe_plugin_table* troupe_plugin_get_tables(uint32_t version);
const troupe_plugin_table* troupe_plugin_get_tables(uint32_t version) {
  return version == 1 ? &table : NULL;
}
#else
const troupe_plugin_table* troupe_plugin_get_table(uint32_t version) {
  if (version != 1)
    return NULL;
#ifdef BROKEN_OLD_TABLE
  if (sizeof(struct old_table) != offsetof(troupe_plugin_table, describe_worker))
    return NULL;
  return (const troupe_plugin_table*)&old.table;
#else
  return &table;
#endif
}
#endif
