// The process-wide table of task functions, filled by TROUPE_TASK at static
// initialisation (before main), read-only afterwards.
#include <algorithm>
#include <cstdio>
#include <deque>
#include <mutex>
#include <string>
#include <unordered_map>

#include <xxhash.h>

#include "common/error_payload.hpp"
#include "troupe/errors.hpp"
#include "troupe/task.hpp"
#include "task/registry_internal.hpp"

namespace troupe {
namespace {

struct registry {
  std::mutex mutex;
  std::deque<detail::task_entry> entries;  // stable addresses
  std::unordered_map<std::string, const detail::task_entry*> by_name;
  std::unordered_map<const void*, const detail::task_entry*> by_address;
  std::vector<std::string> duplicates;
};

registry& instance() {
  static registry r;
  return r;
}

} // namespace

namespace detail {

task_registrar::task_registrar(const char* file, int line,
                               std::initializer_list<task_entry> entries) {
  auto& r = instance();
  std::lock_guard lock{r.mutex};
  for (auto e : entries) {
    e.file = file;
    e.line = line;
    auto it = r.by_name.find(e.name);
    if (it != r.by_name.end()) {
      // Throwing here would terminate before main; report at start-up instead.
      r.duplicates.push_back("task name '" + e.name + "' is registered twice: at "
                             + it->second->file + ":" + std::to_string(it->second->line)
                             + " and at " + file + ":" + std::to_string(line));
      continue;
    }
    r.entries.push_back(std::move(e));
    auto* stored = &r.entries.back();
    r.by_name.emplace(stored->name, stored);
    r.by_address.emplace(stored->address, stored);
  }
}

const task_entry* find_task(std::string_view name) noexcept {
  auto& r = instance();
  std::lock_guard lock{r.mutex};
  auto it = r.by_name.find(std::string{name});
  return it == r.by_name.end() ? nullptr : it->second;
}

const task_entry* find_task_by_address(const void* address) noexcept {
  auto& r = instance();
  std::lock_guard lock{r.mutex};
  auto it = r.by_address.find(address);
  return it == r.by_address.end() ? nullptr : it->second;
}

const task_entry& task_of(const void* address) {
  if (auto* e = find_task_by_address(address))
    return *e;
  throw config_error("troupe: this function is not a task: register it with TROUPE_TASK(name) "
                     "at namespace scope");
}

void throw_argument_error(std::size_t index, const char* type_name, const std::exception& cause) {
  throw decode_error("argument " + std::to_string(index + 1) + " cannot be decoded as "
                     + internal::demangle(type_name) + " (" + cause.what() + ")");
}

void throw_arity_error(std::size_t expected, std::size_t got) {
  throw decode_error("the function takes " + std::to_string(expected) + " argument"
                     + (expected == 1 ? "" : "s") + " but was called with " + std::to_string(got));
}

void throw_decode_error(const char* what, const std::exception& cause) {
  throw decode_error(std::string{"troupe: cannot decode the "} + what + ": " + cause.what());
}

} // namespace detail

std::vector<std::string> registered_tasks() {
  auto& r = instance();
  std::lock_guard lock{r.mutex};
  std::vector<std::string> names;
  for (auto& [name, e] : r.by_name)
    names.push_back(name);
  std::sort(names.begin(), names.end());
  return names;
}

namespace internal {

void register_library_tasks(std::vector<detail::task_entry> entries) {
  auto& r = instance();
  std::lock_guard lock{r.mutex};
  for (auto& e : entries) {
    r.entries.push_back(std::move(e));
    auto* stored = &r.entries.back();
    r.by_name.emplace(stored->name, stored);
    r.by_address.emplace(stored->address, stored);
  }
}

void unregister_tasks(const std::vector<std::string>& names) {
  auto& r = instance();
  std::lock_guard lock{r.mutex};
  for (auto& n : names) {
    auto it = r.by_name.find(n);
    if (it == r.by_name.end())
      continue;
    r.by_address.erase(it->second->address);
    r.by_name.erase(it);  // the entry stays in the deque: pointers to it stay valid
  }
}

} // namespace internal

std::string build_identity() {
  auto& r = instance();
  std::string text;
  {
    std::lock_guard lock{r.mutex};
    std::vector<const detail::task_entry*> entries;
    for (auto& [name, e] : r.by_name)
      entries.push_back(e);
    std::sort(entries.begin(), entries.end(),
              [](auto* a, auto* b) { return a->name < b->name; });
    for (auto* e : entries) {
      text += e->name;
      text += '\0';
      text += e->signature;
      text += '\0';
    }
  }
  char hex[17];
  std::snprintf(hex, sizeof hex, "%016llx",
                static_cast<unsigned long long>(XXH3_64bits(text.data(), text.size())));
  return hex;
}

void check_task_registry() {
  auto& r = instance();
  std::lock_guard lock{r.mutex};
  if (r.duplicates.empty())
    return;
  std::string msg = "troupe: duplicate task names:";
  for (auto& d : r.duplicates)
    msg += "\n  " + d;
  throw config_error(msg);
}

} // namespace troupe
