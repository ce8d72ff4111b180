// What tests that drive scheduler_state directly share: building a task batch
// and a worker's completion of one task.
#pragma once

#include <chrono>
#include <cstdint>
#include <string>
#include <vector>

#include <msgpack.hpp>

#include "common/process_stats.hpp"
#include "protocol/messages.hpp"
#include "troupe/serialization.hpp"

namespace troupe::internal::test_support {

using detail::task_key;

// Builds a batch: each task is (name, arguments packed as [int], deps).
struct batch_builder {
  detail::task_batch batch;
  task_key add(const std::string& name, int arg, std::vector<task_key> deps = {}) {
    std::string packed;
    detail::byte_writer w{&packed};
    msgpack::packer<detail::byte_writer> p{w};
    p.pack_array(1 + static_cast<std::uint32_t>(deps.size()));
    p.pack(arg);
    for (auto d : deps) {
      p.pack(static_cast<std::uint64_t>(d));
      batch.deps.push_back(d);
    }
    batch.args += packed;
    return batch.finish_task(name, true, 0);
  }
};

// Task i of `run` finished on `worker`, `duration_ns` long, starting now.
inline proto::done_batch done(std::uint32_t worker, const proto::run_batch& run, std::size_t i,
                              proto::outcome outcome = proto::outcome::ok,
                              std::uint64_t nbytes = 100, std::string data = {},
                              std::uint32_t duration_ns = 1000) {
  proto::done_batch d;
  d.worker = worker;
  d.keys.push_back(run.keys[i]);
  d.tickets.push_back(run.tickets[i]);
  d.outcomes.push_back(outcome);
  d.nbytes.push_back(nbytes);
  d.duration_ns.push_back(duration_ns);
  d.start_ns = wall_ns();
  proto::append_data(d, data);
  return d;
}

} // namespace troupe::internal::test_support
