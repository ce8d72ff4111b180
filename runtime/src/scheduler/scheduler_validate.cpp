// A self-check of the scheduler's bookkeeping, as Dask's validate_state: the
// edges agree both ways, the counters match the states they count, and each
// state holds what it promises. Tests run it after every event.
#include <array>
#include <algorithm>
#include <string>

#include "scheduler/scheduler_state.hpp"

namespace troupe::internal {

namespace {

bool pending_state(task_state s) {
  return s == task_state::waiting || s == task_state::ready || s == task_state::processing;
}

template <class V, class T>
bool contains(const V& v, const T& x) {
  return std::find(v.begin(), v.end(), x) != v.end();
}

} // namespace

std::string scheduler_state::validate() const {
  std::string problem;
  index_.for_each([&](std::uint64_t key, std::uint32_t idx) {
    if (problem.empty() && records_[idx].key != key)
      problem = "index points to a record of another key";
    if (problem.empty())
      problem = validate_task(idx);
    if (!problem.empty() && problem.find(" (task ") == std::string::npos)
      problem += " (task " + detail::format_key(functions_[records_[idx].function], key) + ", "
                 + to_string(records_[idx].state) + ")";
  });
  if (!problem.empty())
    return problem;
  // The dashboard's per-prefix counts must match the tasks themselves.
  std::vector<std::array<std::uint64_t, 6>> counted(functions_.size());
  index_.for_each([&](std::uint64_t, std::uint32_t idx) {
    ++counted[records_[idx].function][static_cast<std::size_t>(records_[idx].state)];
  });
  for (std::size_t f = 0; f < functions_.size(); ++f)
    for (std::size_t st = 0; st < 6; ++st)
      if (counted[f][st] != prefixes_[f].by_state[st])
        return "prefix '" + functions_[f] + "' counts " + std::to_string(prefixes_[f].by_state[st])
               + " tasks " + to_string(static_cast<task_state>(st)) + ", not "
               + std::to_string(counted[f][st]);
  return problem;
}

std::string scheduler_state::validate_task(std::uint32_t idx) const {
  auto& r = records_[idx];
  std::uint32_t pending = 0;
  for (auto d : r.dependents) {
    if (stale(d) || !contains(records_[d].deps, idx))
      return "a dependent does not list it as an input";
    pending += pending_state(records_[d].state) ? 1 : 0;
  }
  if (pending != r.pending_dependents)
    return "pending_dependents is " + std::to_string(r.pending_dependents) + ", not "
           + std::to_string(pending);
  std::uint32_t missing = 0;
  for (auto d : r.deps) {
    if (stale(d) || !contains(records_[d].dependents, idx))
      return "an input does not list it as a dependent";
    missing += records_[d].state == task_state::memory ? 0 : 1;
    if (pending_state(r.state) && records_[d].state == task_state::released)
      return "an input it still needs was released";
  }
  bool needed = this->needed(idx);
  switch (r.state) {
    case task_state::waiting:
      if (missing == 0 || r.waiting_on != missing)
        return "waiting_on is " + std::to_string(r.waiting_on) + ", inputs missing "
               + std::to_string(missing);
      break;
    case task_state::ready:
      if (missing != 0)
        return "ready with an input not in memory";
      break;
    case task_state::memory:
      if (r.holder == none || !needed)
        return r.holder == none ? "in memory with no holder" : "in memory, needed by nobody";
      break;
    case task_state::erred:
      if (!r.deps.empty() || !needed)
        return r.deps.empty() ? "erred, needed by nobody" : "erred with inputs";
      break;
    case task_state::released:
      if (needed || r.dependents.empty())
        return needed ? "released but needed" : "released with no dependent to keep it";
      break;
    case task_state::processing:
      if (r.holder == none)
        return "processing nowhere";
      if (!r.scattered && !runs(r.holder, r.function))
        return "processing on a worker without its function";
      break;
  }
  return {};
}

} // namespace troupe::internal
