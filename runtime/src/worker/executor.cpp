#include "worker/executor.hpp"

#include "task/task_library.hpp"

#include <algorithm>
#include <chrono>
#include <cstring>

#include "common/error_payload.hpp"
#include "common/process_stats.hpp"
#include "troupe/errors.hpp"

namespace troupe::internal {

namespace {

struct missing_dependency : std::exception {
  explicit missing_dependency(std::uint64_t k) : key(k) {}
  std::uint64_t key;
};

// Strings and binaries this big are read where they lie in the store (the
// task pins them); smaller ones are copied into the zone, which is cheaper
// than pinning.
constexpr std::size_t reference_threshold = 4096;

bool reference_large(msgpack::type::object_type type, std::size_t size, void*) {
  return size >= reference_threshold
         && (type == msgpack::type::BIN || type == msgpack::type::STR);
}

// msgpack sizes an array or map from its header before reading its
// elements: garbage bytes could ask for terabytes. No count can exceed the
// number of bytes there are.
msgpack::unpack_limit limit_for(std::size_t size) {
  return msgpack::unpack_limit{size, size, size, size, size, 256};
}

// Replaces dependency placeholders (ext objects holding a key) with the
// dependency's unpacked result, in place, anywhere inside `o`. Big binaries
// point into the stored bytes, which `pins` keeps alive until the task ends.
void resolve(msgpack::object& o, const worker_store& store, msgpack::zone& zone,
             std::vector<std::shared_ptr<const std::string>>& pins) {
  if (o.type == msgpack::type::EXT && o.via.ext.type() == detail::dependency_ext_type
      && o.via.ext.size == sizeof(std::uint64_t)) {
    std::uint64_t key;
    std::memcpy(&key, o.via.ext.data(), sizeof key);
    std::shared_ptr<const std::string> big;
    bool found = store.visit(key, [&](std::string_view bytes, const auto& shared) {
      if (shared)
        big = shared;  // unpacked below, outside the lock, in place
      else  // small: copied into the zone while the lock is held
        o = msgpack::unpack(zone, bytes.data(), bytes.size(), nullptr, nullptr,
                            limit_for(bytes.size()));
    });
    if (!found)
      throw missing_dependency{key};
    if (big) {
      o = msgpack::unpack(zone, big->data(), big->size(), &reference_large, nullptr,
                          limit_for(big->size()));
      pins.push_back(std::move(big));
    }
  } else if (o.type == msgpack::type::ARRAY) {
    for (std::uint32_t i = 0; i < o.via.array.size; ++i)
      resolve(o.via.array.ptr[i], store, zone, pins);
  } else if (o.type == msgpack::type::MAP) {
    for (std::uint32_t i = 0; i < o.via.map.size; ++i)
      resolve(o.via.map.ptr[i].val, store, zone, pins);
  }
}

} // namespace

executor::executor(std::uint32_t worker_id, std::string worker_name, std::uint32_t nthreads,
                   worker_store& store, report_fn report)
  : worker_id_(worker_id), worker_name_(std::move(worker_name)), store_(store),
    report_(std::move(report)) {
  for (std::uint32_t i = 0; i < std::max<std::uint32_t>(1, nthreads); ++i)
    threads_.emplace_back([this, i] { loop(i); });
}

executor::~executor() {
  {
    std::lock_guard lock{mutex_};
    stopping_ = true;
  }
  cv_.notify_all();
  for (auto& t : threads_)
    t.join();
}

void executor::push(std::shared_ptr<const run_job> job) {
  auto n = static_cast<std::uint32_t>(job->batch.size());
  if (n == 0)
    return;
  {
    std::lock_guard lock{mutex_};
    queue_.push_back({std::move(job), 0, n});
    pending_ += n;
    queued_.store(pending_, std::memory_order_relaxed);
  }
  if (threads_.size() == 1)
    cv_.notify_one();
  else
    cv_.notify_all();
}

proto::outcome executor::run_task(const run_job& job, std::size_t i, const worker_store& store,
                                  const std::string& worker_name, msgpack::zone& zone,
                                  std::string& out) {
  const auto& b = job.batch;
  const auto* entry = job.entries[b.function[i]];
  const std::string& fname = b.functions[b.function[i]];
  if (!entry) {
    out = error_payload(fname, "troupe::unknown_task",
                        "no task function named '" + fname + "' is registered on worker '"
                          + worker_name + "' (register it with TROUPE_TASK)");
    return proto::outcome::failed;
  }
  std::uint64_t begin = i == 0 ? 0 : b.arg_end[i - 1];
  try {
    msgpack::object args;
    try {
      std::size_t size = b.arg_end[i] - begin;
      args = msgpack::unpack(zone, b.args.data() + begin, size, &reference_large, nullptr,
                             limit_for(size));
    } catch (const std::exception& e) {
      throw troupe::decode_error(std::string{"arguments are not valid msgpack: "} + e.what());
    }
    std::uint32_t dep_begin = i == 0 ? 0 : b.dep_end[i - 1];
    // Pinned inputs are released when the task ends, even if it throws.
    std::vector<std::shared_ptr<const std::string>> pins;
    if (b.dep_end[i] > dep_begin)
      resolve(args, store, zone, pins);
    call_task(*entry, args, out);
    return out.size() <= 64 ? proto::outcome::ok_inline : proto::outcome::ok;
  } catch (const missing_dependency& m) {
    out = error_payload(fname, "troupe::missing_dependency",
                        "dependency " + detail::format_key("key", m.key) + " is not on worker '"
                          + worker_name + "'");
    return proto::outcome::missing_dep;
  } catch (const library_task_exception& e) {
    out = error_payload(fname, e.type_name, e.what());
    return proto::outcome::failed;
  } catch (const std::exception& e) {
    auto type = current_exception_type();
    out = error_payload(fname, type, e.what());
    return proto::outcome::failed;
  } catch (...) {
    out = error_payload(fname, current_exception_type(), "a non-standard exception was thrown");
    return proto::outcome::failed;
  }
}

void executor::loop(std::uint32_t thread) {
  msgpack::zone zone;
  std::vector<std::uint64_t> result_keys;
  std::vector<std::string> result_values;
  for (;;) {
    slice s;
    // Poll a little before sleeping: the next batch is often microseconds
    // away, and a condition-variable wake-up costs more than that.
    for (int i = 0; i < spin_rounds && queued_.load(std::memory_order_relaxed) == 0; ++i)
      std::this_thread::yield();
    {
      std::unique_lock lock{mutex_};
      cv_.wait(lock, [this] { return stopping_ || !queue_.empty(); });
      if (queue_.empty())
        return;  // stopping
      auto& front = queue_.front();
      // Take a share of what is queued: big slices for floods of tiny tasks,
      // one at a time when little is waiting, so all threads stay busy.
      std::uint64_t share = pending_ / (2 * threads_.size());
      auto take = static_cast<std::uint32_t>(std::clamp<std::uint64_t>(share, 1, 256));
      take = std::min(take, front.end - front.begin);
      s = {front.job, front.begin, front.begin + take};
      front.begin += take;
      pending_ -= take;
      queued_.store(pending_, std::memory_order_relaxed);
      if (front.begin == front.end)
        queue_.pop_front();
    }
    const auto& b = s.job->batch;
    proto::done_batch done;
    done.worker = worker_id_;
    done.thread = thread;
    done.start_ns = wall_ns();
    std::size_t n = s.end - s.begin;
    done.keys.reserve(n);
    done.tickets.reserve(n);
    done.outcomes.reserve(n);
    done.nbytes.reserve(n);
    done.duration_ns.reserve(n);
    done.data_end.reserve(n);
    result_keys.clear();
    result_values.clear();
    std::string out;
    for (std::uint32_t i = s.begin; i < s.end; ++i) {
      out.clear();
      auto t0 = std::chrono::steady_clock::now();
      auto outcome = run_task(*s.job, i, store_, worker_name_, zone, out);
      auto t1 = std::chrono::steady_clock::now();
      zone.clear();
      done.keys.push_back(b.keys[i]);
      done.tickets.push_back(b.tickets[i]);
      done.outcomes.push_back(outcome);
      done.duration_ns.push_back(static_cast<std::uint32_t>(std::min<std::int64_t>(
        std::chrono::duration_cast<std::chrono::nanoseconds>(t1 - t0).count(), UINT32_MAX)));
      bool ok = outcome == proto::outcome::ok || outcome == proto::outcome::ok_inline;
      done.nbytes.push_back(ok ? out.size() : 0);
      if (outcome != proto::outcome::ok)
        done.data.append(out);
      done.data_end.push_back(done.data.size());
      if (ok) {
        result_keys.push_back(b.keys[i]);
        result_values.push_back(std::move(out));
        out = std::string{};
      }
    }
    // Store before reporting: once the scheduler hears "done", peers may fetch.
    if (!result_keys.empty())
      store_.put(result_keys, result_values);
    report_(std::move(done));
  }
}

} // namespace troupe::internal
