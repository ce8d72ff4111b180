#include "protocol/validate.hpp"

namespace troupe::internal::proto {

namespace {

template <class Offsets>
std::string check_offsets(const Offsets& ends, std::size_t total, const char* what) {
  std::uint64_t previous = 0;
  for (auto end : ends) {
    if (end < previous || end > total)
      return std::string{what} + " offsets run backwards or past the end";
    previous = end;
  }
  return {};
}

// keys + data_end over data: the shape of every message carrying results.
template <class Msg>
std::string check_results(const Msg& m, const char* what) {
  if (m.data_end.size() != m.keys.size())
    return std::string{what} + " arrays differ in length";
  return check_offsets(m.data_end, m.data.size(), what);
}

} // namespace

std::string check(const detail::task_batch& b) {
  std::size_t n = b.keys.size();
  if (b.function.size() != n || b.arg_end.size() != n || b.dep_end.size() != n
      || b.retries.size() != n)
    return "task batch arrays differ in length";
  for (auto f : b.function)
    if (f >= b.functions.size())
      return "task batch names function " + std::to_string(f) + " of "
             + std::to_string(b.functions.size());
  if (auto e = check_offsets(b.arg_end, b.args.size(), "argument"); !e.empty())
    return e;
  return check_offsets(b.dep_end, b.deps.size(), "dependency");
}

std::string check(const submit& m) { return check(m.batch); }

std::string check(const scatter& m) { return check_results(m, "scatter"); }

std::string check(const key_updates& m) {
  std::size_t n = m.keys.size();
  if (m.status.size() != n || m.holder.size() != n || m.data_end.size() != n)
    return "key update arrays differ in length";
  for (auto s : m.status)
    if (static_cast<std::uint8_t>(s) > static_cast<std::uint8_t>(key_status::cancelled))
      return "key update has an unknown status";
  return check_offsets(m.data_end, m.data.size(), "key update");
}

std::string check(const worker_directory& m) {
  std::size_t n = m.ids.size();
  // Data addresses and build ids may be absent (in-process clusters).
  if (m.names.size() != n || m.actors.size() != n
      || (!m.data_addresses.empty() && m.data_addresses.size() != n)
      || (!m.build_ids.empty() && m.build_ids.size() != n))
    return "worker directory arrays differ in length";
  return {};
}

std::string check(const run_batch& m) {
  std::size_t n = m.keys.size();
  if (m.tickets.size() != n || m.function.size() != n || m.arg_end.size() != n
      || m.dep_end.size() != n)
    return "run batch arrays differ in length";
  if (m.dep_holder.size() != m.deps.size())
    return "run batch names a holder for " + std::to_string(m.dep_holder.size()) + " of "
           + std::to_string(m.deps.size()) + " dependencies";
  for (auto f : m.function)
    if (f >= m.functions.size())
      return "run batch names function " + std::to_string(f) + " of "
             + std::to_string(m.functions.size());
  if (auto e = check_offsets(m.arg_end, m.args.size(), "argument"); !e.empty())
    return e;
  return check_offsets(m.dep_end, m.deps.size(), "dependency");
}

std::string check(const done_batch& b) {
  std::size_t n = b.keys.size();
  if (b.tickets.size() != n || b.outcomes.size() != n || b.nbytes.size() != n
      || b.duration_ns.size() != n || b.data_end.size() != n)
    return "completion batch arrays differ in length";
  for (auto o : b.outcomes)
    if (static_cast<std::uint8_t>(o) > static_cast<std::uint8_t>(outcome::missing_dep))
      return "completion batch has an unknown outcome";
  return check_offsets(b.data_end, b.data.size(), "result");
}

std::string check(const acquired& m) {
  if (m.nbytes.size() != m.keys.size())
    return "acquired arrays differ in length";
  return {};
}

std::string check(const fetched& m) { return check_results(m, "fetched"); }

std::string check(const fetch_done& m) { return check(m.got); }

std::string check(const store_keys& m) { return check_results(m, "stored"); }

std::string check(const worker_metrics& m) {
  std::size_t n = m.transfer_start_ns.size();
  if (m.transfer_stop_ns.size() != n || m.transfer_bytes.size() != n || m.transfer_from.size() != n)
    return "worker metrics transfer arrays differ in length";
  return {};
}

std::string check(const cluster_snapshot& m) {
  std::size_t n = m.ids.size();
  if (m.names.size() != n || m.nthreads.size() != n || m.memory_limit.size() != n
      || m.managed_bytes.size() != n || m.n_keys.size() != n || m.processing.size() != n
      || m.retiring.size() != n || m.data_addresses.size() != n)
    return "cluster snapshot arrays differ in length";
  if (m.task_counts.size() != 6)
    return "cluster snapshot has " + std::to_string(m.task_counts.size())
           + " task counts, not 6";
  return {};
}


} // namespace troupe::internal::proto
