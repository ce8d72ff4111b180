// From array nodes to tasks. Only the chunks that the wanted result needs
// are visited (culling); chunk-by-chunk operations are written into the
// program of the task that uses them (fusion); tasks are appended inputs
// first, one output chunk after another, and that order is the scheduler's
// priority, so each chunk's inputs are freed soon after it is done.
#include <algorithm>
#include <cstring>
#include <map>
#include <unordered_map>
#include <unordered_set>
#include <variant>

#include "array/fusion.hpp"
#include "array/graph.hpp"
#include "array/kernels.hpp"
#include "array/node.hpp"
#include "array/program.hpp"
#include "array/strided.hpp"
#include "troupe/client.hpp"
#include "troupe/errors.hpp"

namespace troupe::detail {

namespace {

const char* reduce_name(reduce_kind k) {
  static const char* names[] = {"sum", "mean", "min", "max", "var", "std", "argmin", "argmax"};
  return names[static_cast<int>(k)];
}

const char* label(const array_node& n) {
  switch (n.kind) {
  case node_kind::random: return "array.random";
  case node_kind::full: return "array.full";
  case node_kind::range: return "array.arange";
  case node_kind::from_function: return "array.from_function";
  case node_kind::from_data: return "array.from_data";
  case node_kind::transpose: return "array.transpose";
  case node_kind::getitem: return "array.getitem";
  case node_kind::stack_axis: return "array.stack";
  case node_kind::rechunk: return "array.rechunk";
  default: return "array.elementwise";
  }
}

class graph_builder {
public:
  task_batch batch;

  task_key materialize(const array_node& n, const idx_t& idx) {
    auto memo_key = std::make_pair(&n, linear(n, idx));
    if (auto it = done_.find(memo_key); it != done_.end())
      return it->second;
    task_key key = build(n, idx);
    done_.emplace(memo_key, key);
    return key;
  }

private:
  task_key build(const array_node& n, const idx_t& idx) {
    switch (n.kind) {
    case node_kind::persisted: return n.keys[static_cast<std::size_t>(linear(n, idx))];
    case node_kind::concatenate: {
      auto [input, in_idx] = concatenated(n, idx);
      return materialize(*input, in_idx);
    }
    case node_kind::map_blocks: return map_blocks(n, idx);
    case node_kind::reduce: return reduction(n, idx);
    case node_kind::cumsum: return cumsum(n, idx);
    case node_kind::matmul: return matmul(n, idx);
    case node_kind::rechunk: {
      program p;
      auto r = rechunk(p, n, idx);
      return finish(p, r, label(n));
    }
    default: {
      program p;
      auto r = emit(p, n, idx);
      return finish(p, r, label(n));
    }
    }
  }

  /// A register holding chunk `idx` of `n`: computed in this program when
  /// `n` is fusable, else read from the task that makes it.
  std::uint32_t operand(program& p, const array_node& n, const idx_t& idx) {
    if (is_fusable(n))
      return emit(p, n, idx);
    return p.input(materialize(n, idx));
  }

  std::uint32_t emit(program& p, const array_node& n, const idx_t& idx) {
    auto memo_key = std::make_pair(&n, linear(n, idx));
    if (auto it = p.memo.find(memo_key); it != p.memo.end())
      return it->second;
    std::uint32_t r = emit_new(p, n, idx);
    p.memo.emplace(memo_key, r);
    return r;
  }

  std::uint32_t emit_new(program& p, const array_node& n, const idx_t& idx) {
    shape_t shape = block_shape(n, idx);
    switch (n.kind) {
    case node_kind::random: {
      auto r = p.op(opcode::random);
      p.w.put<std::uint8_t>(static_cast<std::uint8_t>(n.distribution));
      p.w.put<std::uint64_t>(n.seed);
      p.w.put<std::uint64_t>(static_cast<std::uint64_t>(linear(n, idx)));
      p.w.put(n.a);
      p.w.put(n.b);
      p.w.put(n.type);
      p.w.put_vec(shape);
      return r;
    }
    case node_kind::full: {
      auto r = p.op(opcode::full);
      p.w.put(n.type);
      p.w.put(n.value.f);
      p.w.put(n.value.i);
      p.w.put_vec(shape);
      return r;
    }
    case node_kind::range: {
      auto r = p.op(opcode::range);
      p.w.put(n.type);
      p.w.put(n.a);
      p.w.put(n.b);
      p.w.put<std::int64_t>(block_offsets(n, idx)[0]);
      p.w.put_vec(shape);
      p.w.put<std::int64_t>(n.last ? n.shape[0] - 1 : -1);
      p.w.put(n.last.value_or(0.0));
      return r;
    }
    case node_kind::from_function: {
      auto r = p.op(opcode::from_function);
      p.w.put(n.type);
      p.w.put_str(n.function);
      p.w.put_str(n.signature);
      p.w.put_vec(shape);
      p.w.put_vec(block_offsets(n, idx));
      return r;
    }
    case node_kind::from_data: {
      // This chunk's elements, cut out of the whole array.
      std::size_t elem = itemsize(n.type);
      std::string bytes(static_cast<std::size_t>(shape_size(shape)) * elem, '\0');
      auto strides = internal::array::c_strides(n.shape);
      auto off = block_offsets(n, idx);
      std::int64_t start = 0;
      for (std::size_t d = 0; d < off.size(); ++d)
        start += off[d] * strides[d];
      internal::array::copy_strided(elem, bytes.data(), internal::array::c_strides(shape),
                                    n.data->data() + start * static_cast<std::int64_t>(elem),
                                    strides, shape);
      auto r = p.op(opcode::constant);
      p.w.put(n.type);
      p.w.put_vec(shape);
      p.w.put<std::uint32_t>(static_cast<std::uint32_t>(p.args.size()));
      p.args.emplace_back(std::move(bytes));
      return r;
    }
    case node_kind::elementwise: {
      expression e;
      e.as_double = computes_in_double(n);
      compose(p, n, idx, e);
      auto r = p.op(opcode::elementwise);
      p.w.put(n.type);
      p.w.put<std::uint8_t>(e.as_double ? 1 : 0);
      p.w.put_vec(shape);
      p.w.put<std::uint32_t>(static_cast<std::uint32_t>(e.regs.size()));
      for (auto reg : e.regs)
        p.w.put(reg);
      p.w.put_str(e.code.bytes());
      return r;
    }
    case node_kind::transpose: {
      idx_t in(idx.size());
      for (std::size_t d = 0; d < idx.size(); ++d)
        in[static_cast<std::size_t>(n.perm[d])] = idx[d];
      auto src = operand(p, *n.inputs[0], in);
      auto r = p.op(opcode::transpose);
      p.w.put(src);
      idx_t perm(n.perm.begin(), n.perm.end());
      p.w.put_vec(perm);
      return r;
    }
    case node_kind::getitem: {
      const auto& input = *n.inputs[0];
      idx_t in;
      std::vector<std::int64_t> triples;
      std::size_t out_axis = 0;
      for (std::size_t d = 0; d < input.shape.size(); ++d) {
        const auto& piece = n.dropped[d] ? n.pieces[d][0]
                                         : n.pieces[d][static_cast<std::size_t>(idx[out_axis++])];
        in.push_back(piece.block);
        triples.insert(triples.end(), {piece.start, piece.step, piece.count});
      }
      auto src = operand(p, input, in);
      auto r = p.op(opcode::slice);
      p.w.put(src);
      p.w.put<std::uint8_t>(static_cast<std::uint8_t>(input.shape.size()));
      for (auto t : triples)
        p.w.put(t);
      if (shape.size() != input.shape.size()) {
        auto r2 = p.op(opcode::reshape);
        p.w.put(r);
        p.w.put_vec(shape);
        return r2;
      }
      return r;
    }
    case node_kind::stack_axis: {
      auto axis = static_cast<std::size_t>(n.axis);
      idx_t in = idx;
      in.erase(in.begin() + static_cast<std::ptrdiff_t>(axis));
      auto src = operand(p, *n.inputs[static_cast<std::size_t>(idx[axis])], in);
      auto r = p.op(opcode::reshape);
      p.w.put(src);
      p.w.put_vec(shape);
      return r;
    }
    case node_kind::concatenate: {
      auto [input, in_idx] = concatenated(n, idx);
      return operand(p, *input, in_idx);
    }
    default:
      return p.input(materialize(n, idx));
    }
  }

  static std::pair<const array_node*, idx_t> concatenated(const array_node& n, const idx_t& idx) {
    auto axis = static_cast<std::size_t>(n.axis);
    std::int64_t b = idx[axis];
    for (auto& in : n.inputs) {
      auto count = static_cast<std::int64_t>(in->chunks[axis].size());
      if (b < count) {
        idx_t in_idx = idx;
        in_idx[axis] = b;
        return {in.get(), in_idx};
      }
      b -= count;
    }
    throw error("troupe::array: internal error: concatenate chunk out of range");
  }

  // Appends element-wise node `n` (and element-wise inputs of the same
  // shape, recursively) to one postfix expression: a chain of operations
  // becomes one pass over the chunk.
  void compose(program& p, const array_node& n, const idx_t& idx, expression& e) {
    const std::size_t nd = n.shape.size();
    shape_t shape = block_shape(n, idx);
    for (std::size_t k = 0; k < n.inputs.size(); ++k) {
      if (!n.inputs[k]) {
        const scalar& s = *n.scalars[k];
        e.code.put(expr_code::constant);
        e.code.put(s.f);
        e.code.put(s.i);
        continue;
      }
      const array_node& in = *n.inputs[k];
      const std::size_t lead = nd - in.shape.size();
      idx_t in_idx;
      bool broadcast = in.shape.size() != nd;
      for (std::size_t d = 0; d < in.shape.size(); ++d) {
        bool stretched = in.shape[d] != n.shape[lead + d];
        broadcast = broadcast || stretched;
        in_idx.push_back(stretched ? 0 : idx[lead + d]);
      }
      if (!broadcast && in.kind == node_kind::elementwise && folds_into(in, e.as_double)
          && !p.memo.count({&in, linear(in, in_idx)})) {
        compose(p, in, in_idx, e);
        continue;
      }
      // A stretched operand is used by many output chunks: compute it once
      // (its own task) unless it is a generator.
      std::uint32_t reg = broadcast && !is_generator(in) ? p.input(materialize(in, in_idx))
                                                         : operand(p, in, in_idx);
      if (broadcast) {
        auto r = p.op(opcode::broadcast);
        p.w.put(reg);
        p.w.put_vec(shape);
        reg = r;
      }
      e.load(reg);
    }
    switch (n.inputs.size()) {
    case 1:
      e.code.put(expr_code::unary);
      e.code.put(n.op);
      break;
    case 2:
      e.code.put(expr_code::binary);
      e.code.put(n.op);
      break;
    default:
      e.code.put(expr_code::where);
      break;
    }
  }

  std::uint32_t rechunk(program& p, const array_node& n, const idx_t& idx) {
    const auto& input = *n.inputs[0];
    const std::size_t nd = n.shape.size();
    shape_t shape = block_shape(n, idx);
    idx_t lo = block_offsets(n, idx);
    // Overlapping input chunks per axis: (chunk, src start, dst start, extent).
    std::vector<std::vector<std::array<std::int64_t, 4>>> per_axis(nd);
    for (std::size_t d = 0; d < nd; ++d) {
      auto starts = chunk_starts(input.chunks[d]);
      std::int64_t a = lo[d], b = lo[d] + shape[d];
      for (std::size_t c = 0; c + 1 < starts.size(); ++c) {
        std::int64_t s = std::max(a, starts[c]), e = std::min(b, starts[c + 1]);
        if (e > s || (shape[d] == 0 && c == 0))
          per_axis[d].push_back({static_cast<std::int64_t>(c), s - starts[c], s - a,
                                 std::max<std::int64_t>(0, e - s)});
      }
    }
    struct piece {
      std::uint32_t reg;
      idx_t src, dst, extent;
    };
    std::vector<piece> pieces;
    idx_t counts;
    for (auto& v : per_axis)
      counts.push_back(static_cast<std::int64_t>(v.size()));
    bool single = true;
    for_each_index(counts, [&](const idx_t& k) {
      idx_t in_idx, src, dst, extent;
      for (std::size_t d = 0; d < nd; ++d) {
        const auto& q = per_axis[d][static_cast<std::size_t>(k[d])];
        in_idx.push_back(q[0]);
        src.push_back(q[1]);
        dst.push_back(q[2]);
        extent.push_back(q[3]);
      }
      single = single && block_shape(input, in_idx) == shape;
      pieces.push_back({0, src, dst, extent});
      pieces.back().reg = p.input(materialize(input, in_idx));
    });
    if (single && pieces.size() == 1)
      return pieces[0].reg;
    auto r = p.op(opcode::assemble);
    p.w.put(n.type);
    p.w.put_vec(shape);
    p.w.put<std::uint32_t>(static_cast<std::uint32_t>(pieces.size()));
    for (auto& q : pieces) {
      p.w.put(q.reg);
      for (auto v : q.src)
        p.w.put(v);
      for (auto v : q.dst)
        p.w.put(v);
      for (auto v : q.extent)
        p.w.put(v);
    }
    return r;
  }

  task_key map_blocks(const array_node& n, const idx_t& idx) {
    std::vector<task_key> deps;
    for (auto& in : n.inputs)
      deps.push_back(materialize(*in, idx));
    std::uint64_t begin = batch.args.size();
    byte_writer w{&batch.args};
    msgpack::packer<byte_writer> pk{w};
    pk.pack_array(static_cast<std::uint32_t>(n.slots.size()));
    std::size_t extra = 0;
    for (int slot : n.slots) {
      if (slot < 0) {
        batch.args += n.extras[extra++];
        continue;
      }
      task_key k = deps[static_cast<std::size_t>(slot)];
      char raw[sizeof k];
      std::memcpy(raw, &k, sizeof k);
      pk.pack_ext(sizeof k, dependency_ext_type);
      pk.pack_ext_body(raw, sizeof k);
    }
    return append(begin, deps, n.function);
  }

  // A chunk's partial result (reduce) and a partial's final value (finalize).
  static std::uint32_t reduce_op(program& p, std::uint32_t src, reduce_kind kind,
                                 std::uint64_t mask, const array_node& input, const idx_t& idx) {
    auto r = p.op(opcode::reduce);
    p.w.put(src);
    p.w.put<std::uint8_t>(static_cast<std::uint8_t>(kind));
    p.w.put<std::uint64_t>(mask);
    p.w.put_vec(block_offsets(input, idx));
    p.w.put_vec(input.shape);
    return r;
  }
  static std::uint32_t finalize_op(program& p, std::uint32_t partial, reduce_kind kind, int ddof,
                                   dtype type, const shape_t& shape) {
    auto r = p.op(opcode::finalize);
    p.w.put(partial);
    p.w.put<std::uint8_t>(static_cast<std::uint8_t>(kind));
    p.w.put<std::int32_t>(ddof);
    p.w.put(type);
    p.w.put_vec(shape);
    return r;
  }

  task_key reduction(const array_node& n, const idx_t& out_idx) {
    const auto& input = *n.inputs[0];
    const std::size_t nd = input.shape.size();
    // The input chunks that feed this output chunk: all chunks along the
    // reduced axes, the output's chunk along the others.
    idx_t counts, fixed;
    std::size_t o = 0;
    for (std::size_t d = 0; d < nd; ++d) {
      bool reduced = (n.axes_mask >> d) & 1;
      counts.push_back(reduced ? static_cast<std::int64_t>(input.chunks[d].size()) : 1);
      fixed.push_back(reduced ? 0 : out_idx[o]);
      if (!reduced || n.keepdims)
        ++o;
    }
    std::vector<idx_t> leaves;
    for_each_index(counts, [&](const idx_t& k) {
      idx_t in_idx = fixed;
      for (std::size_t d = 0; d < nd; ++d)
        if ((n.axes_mask >> d) & 1)
          in_idx[d] = k[d];
      leaves.push_back(in_idx);
    });
    const std::string kind = reduce_name(n.reduction);
    shape_t out_shape = block_shape(n, out_idx);
    auto leaf = [&](program& p, const idx_t& in_idx) {
      auto src = operand(p, input, in_idx);
      return reduce_op(p, src, n.reduction, n.axes_mask, input, in_idx);
    };
    auto finalize = [&](program& p, std::uint32_t partial) {
      return finalize_op(p, partial, n.reduction, n.ddof, n.type, out_shape);
    };
    auto combine = [&](const std::vector<task_key>& parts, bool last) {
      program p;
      std::vector<std::uint32_t> regs;
      for (auto k : parts)
        regs.push_back(p.input(k));
      auto r = p.op(opcode::combine);
      p.w.put<std::uint8_t>(static_cast<std::uint8_t>(n.reduction));
      p.w.put<std::uint32_t>(static_cast<std::uint32_t>(regs.size()));
      for (auto reg : regs)
        p.w.put(reg);
      if (last)
        r = finalize(p, r);
      return finish(p, r, "array." + kind + (last ? "_agg" : "_combine"));
    };
    if (leaves.size() == 1) {
      program p;
      auto r = finalize(p, leaf(p, leaves[0]));
      return finish(p, r, "array." + kind);
    }
    // Combine as soon as a group is complete, so partial results do not
    // pile up while later chunks are computed.
    const auto split = static_cast<std::size_t>(n.split_every);
    std::vector<std::vector<task_key>> levels(1);
    auto pending = [&] {
      std::size_t count = 0;
      for (auto& level : levels)
        count += level.size();
      return count;
    };
    for (std::size_t k = 0; k < leaves.size(); ++k) {
      program p;
      auto r = leaf(p, leaves[k]);
      levels[0].push_back(finish(p, r, "array." + kind + "_chunk"));
      for (std::size_t l = 0; levels[l].size() == split && leaves.size() > split; ++l) {
        // After the last leaf, partials that fit in one group go to the
        // aggregation as they are: combining them first would only add a
        // task of one input (8 chunks with split_every 2: 15 tasks, not 16).
        if (k + 1 == leaves.size() && pending() <= split)
          break;
        if (l + 1 == levels.size())
          levels.emplace_back();
        levels[l + 1].push_back(combine(levels[l], false));
        levels[l].clear();
      }
    }
    std::vector<task_key> rest;
    for (auto& level : levels)
      rest.insert(rest.end(), level.begin(), level.end());
    while (rest.size() > split) {
      std::vector<task_key> next;
      for (std::size_t k = 0; k < rest.size(); k += split)
        next.push_back(combine({rest.begin() + static_cast<std::ptrdiff_t>(k),
                                rest.begin() + static_cast<std::ptrdiff_t>(std::min(k + split, rest.size()))},
                               false));
      rest = std::move(next);
    }
    return combine(rest, true);
  }

  task_key cumsum_total(const array_node& input, const idx_t& idx, std::size_t axis, dtype type) {
    auto memo_key = std::make_pair(&input, linear(input, idx) * 64 + static_cast<std::int64_t>(axis));
    if (auto it = totals_.find(memo_key); it != totals_.end())
      return it->second;
    program p;
    auto src = operand(p, input, idx);
    auto r = reduce_op(p, src, reduce_kind::sum, std::uint64_t{1} << axis, input, idx);
    shape_t shape = block_shape(input, idx);
    shape[axis] = 1;
    auto f = finalize_op(p, r, reduce_kind::sum, 0, type, shape);
    auto key = finish(p, f, "array.cumsum_total");
    totals_.emplace(memo_key, key);
    return key;
  }

  task_key cumsum(const array_node& n, const idx_t& idx) {
    const auto& input = *n.inputs[0];
    auto axis = static_cast<std::size_t>(n.axis);
    std::vector<task_key> carries;
    for (std::int64_t j = 0; j < idx[axis]; ++j) {
      idx_t prior = idx;
      prior[axis] = j;
      carries.push_back(cumsum_total(input, prior, axis, n.type));
    }
    program p;
    auto src = operand(p, input, idx);
    std::vector<std::uint32_t> regs;
    for (auto k : carries)
      regs.push_back(p.input(k));
    auto r = p.op(opcode::cumsum);
    p.w.put(src);
    p.w.put<std::uint8_t>(static_cast<std::uint8_t>(axis));
    p.w.put(n.type);
    p.w.put<std::uint32_t>(static_cast<std::uint32_t>(regs.size()));
    for (auto reg : regs)
      p.w.put(reg);
    return finish(p, r, "array.cumsum");
  }

  task_key matmul(const array_node& n, const idx_t& idx) {
    const auto& a = *n.inputs[0];
    const auto& b = *n.inputs[1];
    program p;
    std::vector<std::uint32_t> regs;
    for (std::int64_t k = 0; k < static_cast<std::int64_t>(a.chunks[1].size()); ++k) {
      regs.push_back(p.input(materialize(a, {idx[0], k})));
      regs.push_back(p.input(materialize(b, {k, idx[1]})));
    }
    auto r = p.op(opcode::matmul);
    p.w.put(n.type);
    p.w.put<std::uint32_t>(static_cast<std::uint32_t>(regs.size() / 2));
    for (auto reg : regs)
      p.w.put(reg);
    return finish(p, r, "array.matmul");
  }

  /// Appends the task: [program, arguments...].
  task_key finish(program& p, std::uint32_t output, const std::string& name) {
    std::string code;
    code.append(reinterpret_cast<const char*>(&output), sizeof output);
    code += p.w.bytes();
    std::uint64_t begin = batch.args.size();
    byte_writer w{&batch.args};
    msgpack::packer<byte_writer> pk{w};
    pk.pack_array(static_cast<std::uint32_t>(1 + p.args.size()));
    pk.pack_bin(static_cast<std::uint32_t>(code.size()));
    pk.pack_bin_body(code.data(), static_cast<std::uint32_t>(code.size()));
    std::vector<task_key> deps;
    for (auto& a : p.args) {
      if (auto* key = std::get_if<task_key>(&a)) {
        char raw[sizeof *key];
        std::memcpy(raw, key, sizeof *key);
        pk.pack_ext(sizeof *key, dependency_ext_type);
        pk.pack_ext_body(raw, sizeof *key);
        deps.push_back(*key);
      } else {
        const auto& bytes = std::get<std::string>(a);
        pk.pack_bin(static_cast<std::uint32_t>(bytes.size()));
        pk.pack_bin_body(bytes.data(), static_cast<std::uint32_t>(bytes.size()));
      }
    }
    return append(begin, deps, name);
  }

  /// Adds the task whose arguments start at `begin`, unless an identical
  /// one (same key) is already in the batch.
  task_key append(std::uint64_t begin, const std::vector<task_key>& deps, const std::string& name) {
    task_key key = pure_key(name, std::string_view{batch.args}.substr(begin));
    if (!in_batch_.insert(key).second) {
      batch.args.resize(begin);
      return key;
    }
    // Each dependency once, even when a chunk is passed twice.
    for (std::size_t k = 0; k < deps.size(); ++k)
      if (std::find(deps.begin(), deps.begin() + static_cast<std::ptrdiff_t>(k), deps[k])
          == deps.begin() + static_cast<std::ptrdiff_t>(k))
        batch.deps.push_back(deps[k]);
    batch.finish_task(name, true, 0);
    return key;
  }

  std::map<std::pair<const array_node*, std::int64_t>, task_key> done_, totals_;
  std::unordered_set<task_key> in_batch_;
};

} // namespace

built_graph build_graph(const array_node& n) {
  graph_builder g;
  built_graph out;
  for_each_index(blocks_per_axis(n.chunks), [&](const idx_t& idx) {
    out.keys.push_back(g.materialize(n, idx));
  });
  out.batch = std::move(g.batch);
  return out;
}

} // namespace troupe::detail
