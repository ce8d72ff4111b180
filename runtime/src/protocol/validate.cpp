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

} // namespace troupe::internal::proto
