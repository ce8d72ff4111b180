// The array tasks as the registry sees them, and how a task's result chunk
// is laid out in its bytes.
#include <msgpack.hpp>

#include "array/buffer_pool.hpp"
#include "array/kernels.hpp"
#include "troupe/array/block.hpp"
#include "troupe/task.hpp"

namespace troupe::internal::array {

namespace {

void invoke_block_program(const msgpack::object& args, std::string& out) {
  run_block_program(args, out);
}

// Registers every array task name with the one interpreter, at start-up.
struct array_task_registrar {
  array_task_registrar() {
    for (const auto& name : task_names()) {
      detail::task_entry e;
      e.name = name;
      e.address = name.data();  // distinct per name: the registry indexes by address too
      e.invoke = &invoke_block_program;
      e.arity = 0;
      e.signature = "troupe::array block program";
      detail::task_registrar{__FILE__, __LINE__, {e}};
    }
  }
};
const array_task_registrar registrar;

} // namespace

std::size_t append_block(std::string& out, dtype type, const shape_t& shape) {
  std::size_t nbytes = static_cast<std::size_t>(detail::shape_size(shape)) * itemsize(type);
  troupe::detail::byte_writer w{&out};
  msgpack::packer<troupe::detail::byte_writer> p{w};
  std::size_t start = out.size();
  p.pack_array(4);
  p.pack_uint8(static_cast<std::uint8_t>(type));
  p.pack_array(static_cast<std::uint32_t>(shape.size()));
  for (auto d : shape)
    p.pack_fix_int64(d);
  std::size_t pad = detail::block_padding(shape.size(), nbytes);
  static const char zeros[64] = {};
  p.pack_bin(static_cast<std::uint32_t>(pad));
  p.pack_bin_body(zeros, static_cast<std::uint32_t>(pad));
  p.pack_bin(static_cast<std::uint32_t>(nbytes));
  std::size_t at = out.size();
  out.reserve(at + nbytes);
  prefer_huge_pages(out.data(), out.capacity());
#ifdef __cpp_lib_string_resize_and_overwrite
  // The caller writes every element: zero-filling megabytes first would be
  // a whole extra pass over memory.
  out.resize_and_overwrite(at + nbytes, [](char*, std::size_t n) { return n; });
#else
  out.resize(at + nbytes);
#endif
  (void)start;
  return at;
}

const std::vector<std::string>& task_names() {
  static const std::vector<std::string> names = [] {
    std::vector<std::string> n{"array.random", "array.full", "array.arange", "array.from_function",
                               "array.from_data", "array.elementwise", "array.transpose",
                               "array.getitem", "array.rechunk", "array.stack",
                               "array.broadcast", "array.matmul", "array.cumsum",
                               "array.cumsum_total"};
    for (const char* k : {"sum", "mean", "min", "max", "var", "std", "argmin", "argmax"})
      for (const char* stage : {"", "_chunk", "_combine", "_agg"})
        n.push_back(std::string{"array."} + k + stage);
    return n;
  }();
  return names;
}

} // namespace troupe::internal::array
