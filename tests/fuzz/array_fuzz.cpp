// libFuzzer: arbitrary bytes as an array task's arguments ([program,
// inputs...]), run by the worker's block-program interpreter. A malformed
// program or chunk must be a troupe::error, never a crash, a hang or an
// allocation beyond the chunk limit.
//   troupe_fuzz_array --write-seeds=DIR   writes valid tasks to start from
#include <cstdint>
#include <cstdlib>
#include <fstream>
#include <string>
#include <string_view>
#include <vector>

#include <msgpack.hpp>

#include "seed_flag.hpp"
#include "array/instruction.hpp"
#include "array/kernels.hpp"
#include "array/program.hpp"
#include "troupe/array/array.hpp"
#include "troupe/errors.hpp"

namespace {

using namespace troupe::internal::array;
using troupe::dtype;
using troupe::detail::ew_op;
using troupe::detail::reduce_kind;

std::string task_bytes(std::uint32_t output, writer& w, const std::vector<std::string>& inputs) {
  std::string code(reinterpret_cast<const char*>(&output), sizeof output);
  code += w.bytes();
  msgpack::sbuffer buf;
  msgpack::packer<msgpack::sbuffer> p{buf};
  p.pack_array(static_cast<std::uint32_t>(1 + inputs.size()));
  p.pack_bin(static_cast<std::uint32_t>(code.size()));
  p.pack_bin_body(code.data(), static_cast<std::uint32_t>(code.size()));
  for (auto& in : inputs)
    buf.write(in.data(), in.size());  // already a packed chunk
  return {buf.data(), buf.size()};
}

std::string chunk_of(dtype t, const troupe::shape_t& shape) {
  std::string out;
  std::size_t at = append_block(out, t, shape);
  for (std::size_t i = at; i < out.size(); ++i)
    out[i] = static_cast<char>(i * 7);
  return out;
}

void write_seeds(const std::string& dir) {
  std::vector<std::string> seeds;
  {  // random -> x * x + 1 -> mean over axis 1 -> finalize
    writer w;
    w.put_op(opcode::random);
    w.put<std::uint8_t>(0); w.put<std::uint64_t>(1); w.put<std::uint64_t>(2);
    w.put(0.0); w.put(1.0); w.put(dtype::float64); w.put_vec({6, 5});
    writer e;
    e.put(expr_code::load); e.put<std::uint16_t>(0);
    e.put(expr_code::load); e.put<std::uint16_t>(0);
    e.put(expr_code::binary); e.put(ew_op::mul);
    e.put(expr_code::constant); e.put(1.0); e.put<std::int64_t>(1);
    e.put(expr_code::binary); e.put(ew_op::add);
    w.put_op(opcode::elementwise);
    w.put(dtype::float64); w.put<std::uint8_t>(1); w.put_vec({6, 5});
    w.put<std::uint32_t>(1); w.put<std::uint32_t>(0); w.put_str(e.bytes());
    w.put_op(opcode::reduce);
    w.put<std::uint32_t>(1); w.put<std::uint8_t>(1); w.put<std::uint64_t>(2);
    w.put_vec({0, 0}); w.put_vec({6, 5});
    w.put_op(opcode::finalize);
    w.put<std::uint32_t>(2); w.put<std::uint8_t>(1); w.put<std::int32_t>(0);
    w.put(dtype::float64); w.put_vec({6});
    seeds.push_back(task_bytes(3, w, {}));
  }
  {  // input -> transpose -> slice (negative step) -> reshape
    writer w;
    w.put_op(opcode::input); w.put<std::uint32_t>(0);
    w.put_op(opcode::transpose); w.put<std::uint32_t>(0); w.put_vec({1, 0});
    w.put_op(opcode::slice); w.put<std::uint32_t>(1); w.put<std::uint8_t>(2);
    for (std::int64_t v : {3, -1, 2, 0, 2, 2})
      w.put(v);
    w.put_op(opcode::reshape); w.put<std::uint32_t>(2); w.put_vec({4});
    seeds.push_back(task_bytes(3, w, {chunk_of(dtype::int64, {4, 5})}));
  }
  {  // two inputs -> assemble; cumsum with a carry; matmul
    writer w;
    w.put_op(opcode::input); w.put<std::uint32_t>(0);
    w.put_op(opcode::input); w.put<std::uint32_t>(1);
    w.put_op(opcode::assemble); w.put(dtype::float64); w.put_vec({2, 6});
    w.put<std::uint32_t>(2);
    w.put<std::uint32_t>(0);
    for (std::int64_t v : {0, 0, 0, 0, 2, 3})
      w.put(v);
    w.put<std::uint32_t>(1);
    for (std::int64_t v : {0, 0, 0, 3, 2, 3})
      w.put(v);
    w.put_op(opcode::cumsum); w.put<std::uint32_t>(2); w.put<std::uint8_t>(1);
    w.put(dtype::float64); w.put<std::uint32_t>(0);
    w.put_op(opcode::matmul); w.put(dtype::float64); w.put<std::uint32_t>(1);
    w.put<std::uint32_t>(0); w.put<std::uint32_t>(1);
    seeds.push_back(task_bytes(3, w, {chunk_of(dtype::float64, {2, 3}), chunk_of(dtype::float64, {3, 3})}));
  }
  for (std::size_t i = 0; i < seeds.size(); ++i)
    std::ofstream{dir + "/seed-" + std::to_string(i), std::ios::binary} << seeds[i];
}

} // namespace

extern "C" int LLVMFuzzerInitialize(int* argc, char*** argv) {
  write_seeds_if_asked(*argc, *argv, write_seeds);
  return 0;
}

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  // Chunks up to 4 MiB: enough to run every instruction, small enough that
  // libFuzzer's memory limit is never the finding.
  troupe::internal::array::set_chunk_limit(4u << 20);
  msgpack::object_handle handle;
  try {
    // As the executor unpacks task arguments: no count beyond the bytes.
    handle = msgpack::unpack(reinterpret_cast<const char*>(data), size, nullptr, nullptr,
                             msgpack::unpack_limit{size, size, size, size, size, 256});
  } catch (const std::exception&) {
    return 0;  // not msgpack: the executor rejects it before any task runs
  }
  std::string out;
  try {
    troupe::internal::array::run_block_program(handle.get(), out);
  } catch (const troupe::error&) {
  } catch (const std::bad_alloc&) {
  }
  return 0;
}
