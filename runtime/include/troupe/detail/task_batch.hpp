// Many task descriptions in a few flat arrays: one message carries thousands
// of tasks with no allocation per task. Not API; used by the public templates.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

namespace troupe::detail {

/// msgpack ext type that marks "the result of task <key>" inside arguments.
inline constexpr std::int8_t dependency_ext_type = 17;

/// Key of a task: a 64-bit hash (pure) or a random number (impure).
using task_key = std::uint64_t;

/// Hash of function name and packed arguments: equal inputs, equal key.
task_key pure_key(std::string_view function, std::string_view args) noexcept;
/// A fresh, unique key.
task_key random_key() noexcept;
/// "name-0123456789abcdef", as shown to users.
std::string format_key(std::string_view function, task_key key);

struct task_batch {
  std::vector<std::string> functions;  // distinct function names in this batch
  std::vector<task_key> keys;
  std::vector<std::uint32_t> function;  // index into functions, per task
  std::vector<std::uint64_t> arg_end;   // end of each task's arguments in args
  std::string args;                     // msgpack arrays, one per task
  std::vector<std::uint32_t> dep_end;   // end of each task's dependencies in deps
  std::vector<task_key> deps;
  // One byte per task. A string, not a byte vector: CAF 0.17 sizes a byte
  // vector to the length it reads before checking the bytes are there (a
  // few bytes could ask for terabytes); strings are checked.
  std::string retries;
  std::vector<task_key> wanted;  // keys the client now holds futures on

  std::size_t size() const noexcept { return keys.size(); }
  bool empty() const noexcept { return keys.empty(); }

  void reserve(std::size_t n) {
    keys.reserve(n);
    function.reserve(n);
    arg_end.reserve(n);
    dep_end.reserve(n);
    retries.reserve(n);
  }

  std::uint32_t function_index(std::string_view name) {
    for (std::size_t i = functions.size(); i-- > 0;)
      if (functions[i] == name)
        return static_cast<std::uint32_t>(i);
    functions.emplace_back(name);
    return static_cast<std::uint32_t>(functions.size() - 1);
  }

  /// Completes the task whose arguments were appended to `args` since the
  /// previous task and whose dependencies were pushed to `deps`.
  task_key finish_task(std::string_view name, bool pure, std::uint8_t n_retries) {
    std::uint64_t begin = arg_end.empty() ? 0 : arg_end.back();
    std::string_view own{args.data() + begin, args.size() - begin};
    task_key key = pure ? pure_key(name, own) : random_key();
    keys.push_back(key);
    function.push_back(function_index(name));
    arg_end.push_back(args.size());
    dep_end.push_back(static_cast<std::uint32_t>(deps.size()));
    retries.push_back(static_cast<char>(n_retries));
    return key;
  }

  std::string_view args_of(std::size_t i) const noexcept {
    std::uint64_t begin = i == 0 ? 0 : arg_end[i - 1];
    return {args.data() + begin, static_cast<std::size_t>(arg_end[i] - begin)};
  }
  std::uint32_t deps_begin(std::size_t i) const noexcept { return i == 0 ? 0 : dep_end[i - 1]; }
};

} // namespace troupe::detail
