#include "array/instruction.hpp"

#include <algorithm>
#include <string>

namespace troupe::internal::array {

namespace {
std::uint64_t chunk_limit = std::uint64_t{64} << 30;

// A program comes from the network: a negative or absurd shape is an error,
// not an allocation of terabytes.
void check_shape(const shape_t& shape) {
  std::uint64_t n = 8;  // bytes per element, at most
  for (auto d : shape) {
    if (d < 0)
      throw decode_error("troupe: array task: a negative length in a chunk's shape");
    if (d > 0 && n > chunk_limit / static_cast<std::uint64_t>(d))
      throw decode_error("troupe: array task: a chunk of over "
                         + std::to_string(chunk_limit >> 30) + " GiB");
    n *= static_cast<std::uint64_t>(std::max<std::int64_t>(d, 1));
  }
}
} // namespace

void set_chunk_limit(std::uint64_t bytes) { chunk_limit = bytes; }

std::vector<instruction> decode_program(std::string_view bytes, std::uint32_t& output_reg) {
  reader r{bytes.data(), bytes.size()};
  output_reg = r.get<std::uint32_t>();
  std::vector<instruction> out;
  auto regs = [&](instruction& in, std::uint32_t n) {
    for (std::uint32_t k = 0; k < n; ++k)
      in.regs.push_back(r.get<std::uint32_t>());
  };
  while (!r.done()) {
    instruction in;
    in.op = r.get<opcode>();
    switch (in.op) {
    case opcode::input:
      in.arg = r.get<std::uint32_t>();
      break;
    case opcode::random:
      in.small = r.get<std::uint8_t>();
      in.seed = r.get<std::uint64_t>();
      in.stream = r.get<std::uint64_t>();
      in.a = r.get<double>();
      in.b = r.get<double>();
      in.type = r.get<dtype>();
      in.shape = r.get_vec();
      break;
    case opcode::full:
      in.type = r.get<dtype>();
      in.a = r.get<double>();
      in.i = r.get<std::int64_t>();
      in.shape = r.get_vec();
      break;
    case opcode::range:
      in.type = r.get<dtype>();
      in.a = r.get<double>();
      in.b = r.get<double>();
      in.i = r.get<std::int64_t>();
      in.shape = r.get_vec();
      in.exact_at = r.get<std::int64_t>();
      in.exact = r.get<double>();
      break;
    case opcode::from_function:
      in.type = r.get<dtype>();
      in.name = r.get_str();
      in.signature = r.get_str();
      in.shape = r.get_vec();
      in.v1 = r.get_vec();
      break;
    case opcode::constant:
      in.type = r.get<dtype>();
      in.shape = r.get_vec();
      in.arg = r.get<std::uint32_t>();
      break;
    case opcode::elementwise: {
      in.type = r.get<dtype>();
      in.small = r.get<std::uint8_t>();
      in.shape = r.get_vec();
      regs(in, r.get<std::uint32_t>());
      in.code = r.get_str();
      break;
    }
    case opcode::broadcast:
    case opcode::reshape:
      regs(in, 1);
      in.shape = r.get_vec();
      break;
    case opcode::transpose:
      regs(in, 1);
      in.v1 = r.get_vec();
      break;
    case opcode::slice: {
      regs(in, 1);
      auto n = r.get<std::uint8_t>();
      for (std::uint32_t k = 0; k < 3u * n; ++k)
        in.v1.push_back(r.get<std::int64_t>());
      break;
    }
    case opcode::assemble: {
      in.type = r.get<dtype>();
      in.shape = r.get_vec();
      auto n = r.get<std::uint32_t>();
      for (std::uint32_t k = 0; k < n; ++k) {
        regs(in, 1);
        for (std::size_t j = 0; j < 3 * in.shape.size(); ++j)
          in.v1.push_back(r.get<std::int64_t>());
      }
      break;
    }
    case opcode::reduce:
      regs(in, 1);
      in.small = r.get<std::uint8_t>();
      in.seed = r.get<std::uint64_t>();
      in.v1 = r.get_vec();
      in.v2 = r.get_vec();
      break;
    case opcode::combine:
      in.small = r.get<std::uint8_t>();
      regs(in, r.get<std::uint32_t>());
      break;
    case opcode::finalize:
      regs(in, 1);
      in.small = r.get<std::uint8_t>();
      in.ddof = r.get<std::int32_t>();
      in.type = r.get<dtype>();
      in.shape = r.get_vec();
      break;
    case opcode::matmul:
      in.type = r.get<dtype>();
      regs(in, 2 * r.get<std::uint32_t>());
      break;
    case opcode::cumsum:
      regs(in, 1);
      in.small = r.get<std::uint8_t>();
      in.type = r.get<dtype>();
      regs(in, r.get<std::uint32_t>());
      break;
    default:
      throw decode_error("troupe: array task: unknown instruction "
                         + std::to_string(static_cast<int>(in.op)));
    }
    if (in.type > dtype::float64)
      throw decode_error("troupe: array task: unknown element type");
    check_shape(in.shape);
    for (auto reg : in.regs)
      if (reg >= out.size())
        throw decode_error("troupe: array task: an instruction reads a register not yet written");
    out.push_back(std::move(in));
  }
  if (out.empty() || output_reg >= out.size())
    throw decode_error("troupe: array task: the program has no output");
  return out;
}

} // namespace troupe::internal::array
