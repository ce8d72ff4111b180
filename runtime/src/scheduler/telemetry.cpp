#include "scheduler/telemetry.hpp"

namespace troupe::internal {

void task_stream::resize(std::size_t capacity) {
  if (capacity == 0 || capacity == ring_.size())
    return;
  std::vector<stream_record> kept;
  for (auto seq = first(); seq < next_; ++seq)
    kept.push_back(at(seq));
  ring_.assign(capacity, {});
  auto n = next_;
  next_ = n - kept.size();
  for (auto& r : kept)
    push(r);
}

} // namespace troupe::internal
