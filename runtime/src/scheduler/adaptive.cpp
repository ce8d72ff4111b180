#include "scheduler/adaptive.hpp"

#include <algorithm>
#include <cmath>

namespace troupe::internal {

namespace {

std::size_t state_index(task_state s) { return static_cast<std::size_t>(s); }

}  // namespace

std::uint32_t adapt_target(const scheduler_state& s, const adapt_policy& p) {
  // Ready and running tasks only, as Dask: waiting ones cannot run yet, and
  // counting a long chain whole would ask for workers it cannot use.
  double seconds = 0;
  const auto& prefixes = s.prefix_statistics();
  for (std::uint32_t f = 0; f < prefixes.size(); ++f) {
    auto n = prefixes[f].by_state[state_index(task_state::ready)]
             + prefixes[f].by_state[state_index(task_state::processing)];
    if (n)
      seconds += static_cast<double>(n) * s.duration_estimate(f);
  }
  double threads_per_worker = 1;
  std::uint64_t managed = 0, limit = 0, keys = 0;
  std::uint32_t alive = 0;
  std::uint64_t threads = 0;
  for (const auto& w : s.workers()) {
    if (!w.alive || w.retiring)
      continue;
    ++alive;
    threads += w.nthreads;
    managed += w.managed_bytes;
    limit += w.memory_limit;
    keys += w.n_keys;
  }
  if (alive)
    threads_per_worker = static_cast<double>(threads) / alive;
  double by_work = p.target_duration_s > 0 ? seconds / (p.target_duration_s * threads_per_worker)
                                           : 0;
  auto want = static_cast<std::uint64_t>(std::ceil(by_work));
  if (limit > 0 && p.memory_fraction > 0) {
    double share = static_cast<double>(managed) / (p.memory_fraction * static_cast<double>(limit));
    if (share > 1)
      want = std::max<std::uint64_t>(want,
                                     static_cast<std::uint64_t>(std::ceil(alive * share)));
  }
  // Results held need a worker to stay on (Dask's retire_workers keeps the
  // last holder too): minimum 0 means none only once nothing is held.
  if (keys > 0)
    want = std::max<std::uint64_t>(want, 1);
  want = std::clamp<std::uint64_t>(want, p.minimum, std::max<std::uint64_t>(1, std::max(p.minimum, p.maximum)));
  return static_cast<std::uint32_t>(want);
}

adapt_controller::adapt_controller(adapt_policy p, std::uint32_t current)
  : policy_(p), target_(current) {}

std::optional<adapt_decision> adapt_controller::decide(const scheduler_state& s) {
  auto want = adapt_target(s, policy_);
  if (want > target_) {  // up at once
    down_votes_ = 0;
    target_ = want;
    return adapt_decision{want, {}};
  }
  if (want == target_) {
    down_votes_ = 0;
    return std::nullopt;
  }
  if (++down_votes_ < policy_.wait_count)
    return std::nullopt;
  down_votes_ = 0;
  // The least loaded go: fewest bytes held, then fewest tasks running, so
  // that the hand-over moves little and waits for little.
  std::vector<const worker_record*> open;
  for (const auto& w : s.workers())
    if (w.alive && !w.retiring)
      open.push_back(&w);
  std::sort(open.begin(), open.end(), [](const worker_record* a, const worker_record* b) {
    if (a->managed_bytes != b->managed_bytes)
      return a->managed_bytes < b->managed_bytes;
    return a->processing < b->processing;
  });
  adapt_decision d{want, {}};
  for (std::size_t i = 0; i < open.size() && open.size() - i > want; ++i)
    d.retire.push_back(open[i]->name);
  target_ = want;
  return d;
}

} // namespace troupe::internal
