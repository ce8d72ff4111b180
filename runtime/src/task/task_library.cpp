#include "task/task_library.hpp"

#include <filesystem>

#include <boost/dll/shared_library.hpp>

#include "task/registry_internal.hpp"
#include "troupe/errors.hpp"
#include "troupe/sdk/task_library.h"

namespace troupe::internal {

struct task_library::impl {
  boost::dll::shared_library lib;
  const troupe_task_table* table = nullptr;
  std::vector<std::string> names;
};

task_library::task_library(const std::string& path) : impl_(std::make_unique<impl>()) {
  if (!std::filesystem::exists(path))
    throw config_error("troupe: task library '" + path + "' does not exist");
  try {
    impl_->lib.load(path, boost::dll::load_mode::rtld_now | boost::dll::load_mode::rtld_local);
  } catch (const std::exception& e) {
    throw config_error("troupe: task library '" + path + "' is not a loadable shared library: "
                       + e.what());
  }
  if (!impl_->lib.has(TROUPE_TASK_LIBRARY_SYMBOL))
    throw config_error("troupe: '" + path + "' exports no '" TROUPE_TASK_LIBRARY_SYMBOL
                       "' (add TROUPE_TASK_LIBRARY() to one of its source files)");
  auto fn = impl_->lib.get<const troupe_task_table*(std::uint32_t)>(TROUPE_TASK_LIBRARY_SYMBOL);
  const troupe_task_table* t = fn(TROUPE_TASK_LIBRARY_ABI);
  if (!t)
    throw config_error("troupe: task library '" + path + "' refuses task library ABI "
                       + std::to_string(TROUPE_TASK_LIBRARY_ABI));
  // Fields up to free_buffer exist in every ABI-1 table.
  if (t->struct_size < sizeof(troupe_task_table) || t->abi_version < 1 || !t->invoke
      || !t->free_buffer || (t->n_tasks && (!t->names || !t->signatures)))
    throw config_error("troupe: task library '" + path + "' has a malformed task table");
  impl_->table = t;
  std::vector<detail::task_entry> entries;
  for (std::uint32_t i = 0; i < t->n_tasks; ++i) {
    detail::task_entry e;
    e.name = t->names[i];
    e.address = &t->names[i];  // unique per task, for the address index
    e.signature = t->signatures[i];
    e.library = t;
    e.library_index = i;
    e.file = "task library";
    entries.push_back(std::move(e));
  }
  for (auto& e : entries) {
    if (auto* existing = detail::find_task(e.name))
      throw config_error("troupe: task '" + e.name + "' of '" + path
                         + "' is already registered (at " + existing->file + ":"
                         + std::to_string(existing->line) + ")");
  }
  for (auto& e : entries)
    impl_->names.push_back(e.name);
  register_library_tasks(std::move(entries));
}

// Its tasks leave the registry before the library is unmapped.
task_library::~task_library() { unregister_tasks(impl_->names); }

std::size_t task_library::size() const { return impl_->table ? impl_->table->n_tasks : 0; }

void call_task(const detail::task_entry& entry, const msgpack::object& args, std::string& out) {
  if (!entry.library) {
    entry.invoke(args, out);
    return;
  }
  auto* t = static_cast<const troupe_task_table*>(entry.library);
  // Re-pack the (already resolved) arguments: the library decodes its own.
  msgpack::sbuffer packed;
  msgpack::pack(packed, args);
  troupe_task_buffer result{nullptr, 0};
  int status = t->invoke(entry.library_index, packed.data(), packed.size(), &result);
  std::string bytes(result.data ? result.data : "", result.size);
  t->free_buffer(&result);
  if (status == 0) {
    out += bytes;
    return;
  }
  auto nul = bytes.find('\0');
  if (nul == std::string::npos)
    throw library_task_exception("unknown", bytes);
  throw library_task_exception(bytes.substr(0, nul), bytes.substr(nul + 1));
}

} // namespace troupe::internal
