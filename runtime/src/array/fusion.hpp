// What graph building fuses: which nodes are written into their consumer's
// program, and the program and expression under construction for one task.
#pragma once

#include <cstdint>
#include <map>
#include <string>
#include <utility>
#include <variant>
#include <vector>

#include "array/node.hpp"
#include "array/program.hpp"

namespace troupe::detail {

/// Cheap to make again: fused even where several chunks use them.
bool is_generator(const array_node& n);
/// Made chunk by chunk from one input chunk each: written into the program
/// of the task that uses the chunk instead of being a task.
bool is_fusable(const array_node& n);
/// An element-wise node computes in double when its result or any operand
/// (array or scalar) is floating, else in int64: what it would do alone.
bool computes_in_double(const array_node& n);
/// Whether element-wise input `in` may be folded into an expression computed
/// in double (as_double) or int64.
bool folds_into(const array_node& in, bool as_double);

using internal::array::expr_code;
using internal::array::opcode;
using internal::array::writer;

/// One task's program under construction.
struct program {
  writer w;
  std::uint32_t regs = 0;
  std::vector<std::variant<task_key, std::string>> args;  // dependency or raw bytes
  std::map<task_key, std::uint32_t> input_regs;
  std::map<std::pair<const array_node*, std::int64_t>, std::uint32_t> memo;

  std::uint32_t op(opcode o) {
    w.put_op(o);
    return regs++;
  }
  std::uint32_t input(task_key key) {
    if (auto it = input_regs.find(key); it != input_regs.end())
      return it->second;
    auto r = op(opcode::input);
    w.put<std::uint32_t>(static_cast<std::uint32_t>(args.size()));
    args.emplace_back(key);
    input_regs.emplace(key, r);
    return r;
  }
};

/// The element-wise expression being composed for one instruction.
struct expression {
  writer code;
  std::vector<std::uint32_t> regs;
  bool as_double = false;

  void load(std::uint32_t reg) {
    std::size_t k = 0;
    while (k < regs.size() && regs[k] != reg)
      ++k;
    if (k == regs.size())
      regs.push_back(reg);
    code.put(expr_code::load);
    code.put<std::uint16_t>(static_cast<std::uint16_t>(k));
  }
};

} // namespace troupe::detail
