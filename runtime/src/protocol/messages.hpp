// Every message between client, scheduler and workers, in one place. Each is
// a small struct of flat arrays (many tasks per message) with an `inspect`
// overload, so it crosses a process boundary unchanged. User data is opaque
// msgpack bytes inside std::string fields.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include <caf/actor.hpp>
#include <caf/meta/type_name.hpp>
#include <caf/type_id.hpp>

#include "troupe/detail/task_batch.hpp"

namespace troupe::detail {

template <class Inspector>
typename Inspector::result_type inspect(Inspector& f, task_batch& x) {
  return f(caf::meta::type_name("task_batch"), x.functions, x.keys, x.function, x.arg_end,
           x.args, x.dep_end, x.deps, x.retries, x.wanted);
}

} // namespace troupe::detail

namespace troupe::internal::proto {

using detail::task_key;
constexpr std::uint32_t no_worker = UINT32_MAX;

/// Sent in CAF's handshake: nodes with another value refuse each other.
/// Change it whenever a message below changes.
inline constexpr const char* protocol_identifier = "troupe-protocol-4";

/// How a task ended on a worker.
enum class outcome : std::uint8_t {
  ok = 0,           // result kept by the worker
  ok_inline = 1,    // ... and its (small) bytes are in the message too
  failed = 2,       // data holds msgpack [task name, exception type, message]
  missing_dep = 3,  // a dependency could not be fetched; run it again
};

/// Status of a key as the scheduler tells a client.
enum class key_status : std::uint8_t { memory = 0, memory_inline = 1, erred = 2, cancelled = 3 };

// client -> scheduler (request; reply: client id)
struct client_hello {
  std::string name;
  caf::actor handle;
};

// client -> scheduler
struct submit {
  std::uint32_t client = 0;
  detail::task_batch batch;
};

// client -> scheduler: futures dropped (release) or cancelled.
struct release_keys {
  std::uint32_t client = 0;
  std::vector<task_key> keys;
};
struct cancel_keys {
  std::uint32_t client = 0;
  std::vector<task_key> keys;
};

// client -> scheduler: store these values on a worker.
struct scatter {
  std::uint32_t client = 0;
  std::vector<task_key> keys;
  std::vector<std::uint64_t> data_end;
  std::string data;
};

// scheduler -> client: results and failures of keys the client wants.
struct key_updates {
  std::vector<task_key> keys;
  std::vector<key_status> status;
  std::vector<std::uint32_t> holder;
  std::vector<std::uint64_t> data_end;  // inline bytes or error payload
  std::string data;
};

// worker -> scheduler (request; reply: worker id)
struct worker_hello {
  std::string name;
  std::uint32_t nthreads = 1;
  std::uint64_t memory_limit = 0;
  caf::actor handle;
  std::string data_address;            // "host:port" of its data server; empty in-process
  std::vector<std::string> functions;  // task names it can run
  std::string build_id;                // identity of the code those tasks come from
};

// scheduler -> workers and clients: who is who.
struct worker_directory {
  std::vector<std::uint32_t> ids;
  std::vector<std::string> names;
  std::vector<caf::actor> actors;
  std::vector<std::string> data_addresses;  // empty: reach it through its actor
  std::vector<std::string> build_ids;
};

// scheduler -> worker: tasks to run. Tickets are the scheduler's slots,
// echoed back so it finds each task without a lookup.
struct run_batch {
  std::vector<std::string> functions;
  std::vector<task_key> keys;
  std::vector<std::uint32_t> tickets;
  std::vector<std::uint32_t> function;
  std::vector<std::uint64_t> arg_end;
  std::string args;
  std::vector<std::uint32_t> dep_end;
  std::vector<task_key> deps;
  std::vector<std::uint32_t> dep_holder;
  std::size_t size() const noexcept { return keys.size(); }
};

// worker -> scheduler: tasks finished.
struct done_batch {
  std::uint32_t worker = 0;
  std::vector<task_key> keys;
  std::vector<std::uint32_t> tickets;
  std::vector<outcome> outcomes;
  std::vector<std::uint64_t> nbytes;
  std::vector<std::uint32_t> duration_ns;
  std::vector<std::uint64_t> data_end;
  std::string data;
  // For the task stream: the executor thread that ran the slice, and when
  // its first task started (ns since the Unix epoch). The tasks ran one
  // after another, so each start is this plus the durations before it.
  std::uint32_t thread = 0;
  std::uint64_t start_ns = 0;
};

// worker -> scheduler: the worker now also holds these keys (fetched,
// moved to it or scattered onto it).
struct acquired {
  std::uint32_t worker = 0;
  std::vector<task_key> keys;
  std::vector<std::uint64_t> nbytes;
};

// anyone -> worker (request; reply: fetched).
struct fetch {
  std::vector<task_key> keys;
};
struct fetched {
  std::vector<task_key> keys;  // found, in request order
  std::vector<std::uint64_t> data_end;
  std::string data;
  std::vector<task_key> missing;
};

// A worker's data-path thread -> the worker itself: a fetch it started
// finished (`error` empty) or failed.
struct fetch_done {
  std::uint64_t id = 0;
  fetched got;
  std::string error;
  std::uint64_t start_ns = 0;  // wall clock, for the task stream
  std::uint64_t stop_ns = 0;
  std::uint32_t from = 0;      // the worker it came from
};

// worker -> scheduler, every [dashboard] metrics_interval: what the
// dashboard shows beside the scheduler's own bookkeeping, and the transfers
// of inputs since the last report (wall-clock ns, bytes, source worker).
struct worker_metrics {
  std::uint32_t worker = 0;
  std::uint64_t rss = 0;     // process memory, shared among the process's workers
  double cpu = 0;            // cores busy, shared likewise
  std::uint64_t spilled = 0;
  std::vector<std::uint64_t> transfer_start_ns;
  std::vector<std::uint64_t> transfer_stop_ns;
  std::vector<std::uint64_t> transfer_bytes;
  std::vector<std::uint32_t> transfer_from;
};

// dashboard or client -> scheduler (request; reply: dashboard_reply): one
// view of the scheduler's state, as the HTTP path that names it
// ("/api/v1/workers", "/metrics", ...). `since` is a task-stream cursor.
struct dashboard_query {
  std::string path;
  std::uint64_t since = 0;
};
struct dashboard_reply {
  std::uint32_t status = 200;  // an HTTP status
  std::string content_type;
  std::string body;
  std::uint64_t cursor = 0;    // the task stream's cursor when answered
};

// process -> its scheduler: the URL its dashboard is served at.
struct set_dashboard {
  std::string link;
};

// an actor -> itself, on a timer: the scheduler measures its event loop's
// latency by how late the tick arrives; a worker sends its metrics.
struct tick {
  std::uint64_t due_ns = 0;
};

// scheduler -> worker: forget these results.
struct free_keys {
  std::vector<task_key> keys;
};

// scheduler -> retiring worker: hand these keys to `target`.
struct move_keys {
  std::uint32_t target_id = 0;
  caf::actor target;
  std::vector<task_key> keys;
};

// retiring worker -> target worker: fetch these keys from me over the data
// path (a move between processes, without BASP carrying the bytes).
struct pull_keys {
  std::uint32_t from = 0;
  std::vector<task_key> keys;
};

// worker -> worker, scheduler -> worker: keep these bytes.
struct store_keys {
  std::vector<task_key> keys;
  std::vector<std::uint64_t> data_end;
  std::string data;
};

// client -> worker (request; reply: run_result): call a function once.
struct run_once {
  std::string function;
  std::string args;
};
struct run_result {
  bool ok = false;
  std::string data;  // result bytes, or the error text
};

// anyone -> scheduler (request; reply: cluster_snapshot).
struct snapshot_request {
  std::uint32_t dummy = 0;
};
struct cluster_snapshot {
  std::vector<std::uint32_t> ids;
  std::vector<std::string> names;
  std::vector<std::uint32_t> nthreads;
  std::vector<std::uint64_t> memory_limit;
  std::vector<std::uint64_t> managed_bytes;
  std::vector<std::uint64_t> n_keys;
  std::vector<std::uint64_t> processing;
  std::vector<std::uint32_t> retiring;  // 1: retiring (not a byte vector: see task_batch)
  std::vector<std::string> data_addresses;  // "host:port"; empty: in-process worker
  std::vector<std::uint64_t> task_counts;   // waiting, ready, processing, memory, erred, completed
  std::string dashboard;                    // its link; empty when none is served
};

// anyone -> scheduler (request; reply: worker_directory).
struct directory_request {
  std::uint32_t dummy = 0;
};

// anyone -> scheduler (request; reply: holders, no_worker when unknown).
struct who_has {
  std::vector<task_key> keys;
};
struct holders {
  std::vector<std::uint32_t> workers;
};

// cluster -> scheduler (request; reply: holders with the retired ids, once
// each has handed over its results and stopped).
struct retire_workers {
  std::vector<std::uint32_t> ids;
  // 1 (a worker at the end of its lifetime): start only while another
  // worker can take the results, else once one joins.
  std::uint32_t when_replaceable = 0;
};

// client -> scheduler (request; reply: holders with the current worker ids
// once at least `n` workers are connected).
struct wait_workers {
  std::uint32_t n = 0;
};

// client -> scheduler (request; reply: the same struct): everything sent
// before has been handled.
struct sync_point {
  std::uint32_t client = 0;
};

// process -> its scheduler: the address it is published at.
struct set_address {
  std::string address;
};

// cluster owner -> scheduler: adapt the number of workers (Dask's
// cluster.adapt) by sending adapt_scale to `scaler`; stop = 1 ends it (a
// manual scale: the last call wins).
struct adapt_start {
  std::uint32_t minimum = 0;
  std::uint32_t maximum = 0;
  std::uint64_t target_duration_ns = 0;
  std::uint64_t interval_ns = 0;
  std::uint32_t wait_count = 3;
  std::uint32_t stop = 0;
  caf::actor scaler;
};

// scheduler -> the owner's scaler: have n workers; when fewer, retire these
// (worker names, least loaded first).
struct adapt_scale {
  std::uint32_t n = 0;
  std::vector<std::string> retire;
};

// scheduler -> itself, every interval while adapting.
struct adapt_tick {
  std::uint64_t generation = 0;
};

// scheduler -> worker: stop now (after retiring).
struct shutdown {
  std::uint32_t reason = 0;
};

#define TROUPE_INSPECT(type, ...)                                                          \
  template <class Inspector>                                                               \
  typename Inspector::result_type inspect(Inspector& f, type& x) {                         \
    return f(caf::meta::type_name(#type), __VA_ARGS__);                                    \
  }

TROUPE_INSPECT(client_hello, x.name, x.handle)
TROUPE_INSPECT(submit, x.client, x.batch)
TROUPE_INSPECT(release_keys, x.client, x.keys)
TROUPE_INSPECT(cancel_keys, x.client, x.keys)
TROUPE_INSPECT(scatter, x.client, x.keys, x.data_end, x.data)
TROUPE_INSPECT(key_updates, x.keys, x.status, x.holder, x.data_end, x.data)
TROUPE_INSPECT(worker_hello, x.name, x.nthreads, x.memory_limit, x.handle, x.data_address,
               x.functions, x.build_id)
TROUPE_INSPECT(worker_directory, x.ids, x.names, x.actors, x.data_addresses, x.build_ids)
TROUPE_INSPECT(run_batch, x.functions, x.keys, x.tickets, x.function, x.arg_end, x.args,
               x.dep_end, x.deps, x.dep_holder)
TROUPE_INSPECT(done_batch, x.worker, x.keys, x.tickets, x.outcomes, x.nbytes, x.duration_ns,
               x.data_end, x.data, x.thread, x.start_ns)
TROUPE_INSPECT(acquired, x.worker, x.keys, x.nbytes)
TROUPE_INSPECT(fetch, x.keys)
TROUPE_INSPECT(fetched, x.keys, x.data_end, x.data, x.missing)
TROUPE_INSPECT(fetch_done, x.id, x.got, x.error, x.start_ns, x.stop_ns, x.from)
TROUPE_INSPECT(worker_metrics, x.worker, x.rss, x.cpu, x.spilled, x.transfer_start_ns,
               x.transfer_stop_ns, x.transfer_bytes, x.transfer_from)
TROUPE_INSPECT(dashboard_query, x.path, x.since)
TROUPE_INSPECT(dashboard_reply, x.status, x.content_type, x.body, x.cursor)
TROUPE_INSPECT(set_dashboard, x.link)
TROUPE_INSPECT(tick, x.due_ns)
TROUPE_INSPECT(adapt_start, x.minimum, x.maximum, x.target_duration_ns, x.interval_ns,
               x.wait_count, x.stop, x.scaler)
TROUPE_INSPECT(adapt_scale, x.n, x.retire)
TROUPE_INSPECT(adapt_tick, x.generation)
TROUPE_INSPECT(free_keys, x.keys)
TROUPE_INSPECT(move_keys, x.target_id, x.target, x.keys)
TROUPE_INSPECT(pull_keys, x.from, x.keys)
TROUPE_INSPECT(store_keys, x.keys, x.data_end, x.data)
TROUPE_INSPECT(run_once, x.function, x.args)
TROUPE_INSPECT(run_result, x.ok, x.data)
TROUPE_INSPECT(snapshot_request, x.dummy)
TROUPE_INSPECT(cluster_snapshot, x.ids, x.names, x.nthreads, x.memory_limit, x.managed_bytes,
               x.n_keys, x.processing, x.retiring, x.data_addresses, x.task_counts, x.dashboard)
TROUPE_INSPECT(directory_request, x.dummy)
TROUPE_INSPECT(who_has, x.keys)
TROUPE_INSPECT(holders, x.workers)
TROUPE_INSPECT(retire_workers, x.ids, x.when_replaceable)
TROUPE_INSPECT(wait_workers, x.n)
TROUPE_INSPECT(sync_point, x.client)
TROUPE_INSPECT(set_address, x.address)
TROUPE_INSPECT(shutdown, x.reason)

#undef TROUPE_INSPECT

/// Appends `bytes` to a flat buffer with an end-offset array.
template <class Msg>
void append_data(Msg& m, std::string_view bytes) {
  m.data.append(bytes.data(), bytes.size());
  m.data_end.push_back(m.data.size());
}
template <class Msg>
std::string_view data_of(const Msg& m, std::size_t i) {
  std::uint64_t begin = i == 0 ? 0 : m.data_end[i - 1];
  return {m.data.data() + begin, static_cast<std::size_t>(m.data_end[i] - begin)};
}

} // namespace troupe::internal::proto

#define TROUPE_PROTO(name) CAF_ADD_TYPE_ID(troupe, (troupe::internal::proto::name))

CAF_BEGIN_TYPE_ID_BLOCK(troupe, caf::first_custom_type_id)
TROUPE_PROTO(client_hello)
TROUPE_PROTO(submit)
TROUPE_PROTO(release_keys)
TROUPE_PROTO(cancel_keys)
TROUPE_PROTO(scatter)
TROUPE_PROTO(key_updates)
TROUPE_PROTO(worker_hello)
TROUPE_PROTO(worker_directory)
TROUPE_PROTO(run_batch)
TROUPE_PROTO(done_batch)
TROUPE_PROTO(acquired)
TROUPE_PROTO(fetch)
TROUPE_PROTO(fetched)
TROUPE_PROTO(fetch_done)
TROUPE_PROTO(free_keys)
TROUPE_PROTO(move_keys)
TROUPE_PROTO(pull_keys)
TROUPE_PROTO(store_keys)
TROUPE_PROTO(run_once)
TROUPE_PROTO(run_result)
TROUPE_PROTO(snapshot_request)
TROUPE_PROTO(cluster_snapshot)
TROUPE_PROTO(directory_request)
TROUPE_PROTO(who_has)
TROUPE_PROTO(holders)
TROUPE_PROTO(retire_workers)
TROUPE_PROTO(wait_workers)
TROUPE_PROTO(sync_point)
TROUPE_PROTO(set_address)
TROUPE_PROTO(shutdown)
TROUPE_PROTO(worker_metrics)
TROUPE_PROTO(dashboard_query)
TROUPE_PROTO(dashboard_reply)
TROUPE_PROTO(set_dashboard)
TROUPE_PROTO(tick)
TROUPE_PROTO(adapt_start)
TROUPE_PROTO(adapt_scale)
TROUPE_PROTO(adapt_tick)
CAF_END_TYPE_ID_BLOCK(troupe)

#undef TROUPE_PROTO
