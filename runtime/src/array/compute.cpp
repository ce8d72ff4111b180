// Running array graphs: compute (gather the chunks into a dense result),
// persist, wait, and the graph's size and picture without running it.
#include <unordered_map>

#include "array/graph.hpp"
#include "array/strided.hpp"
#include "troupe/client.hpp"
#include "troupe/errors.hpp"

namespace troupe::detail {

namespace {

std::vector<state_ptr> run(internal::client_core& core, built_graph& g) {
  std::vector<task_key> wanted = g.keys;
  return submit_batch(core, std::move(g.batch), wanted, {"array"});
}

bool reference_all(msgpack::type::object_type, std::size_t, void*) { return true; }

} // namespace

std::string visualize_array(const array_ptr& n, const std::string& path) {
  built_graph g = build_graph(*n);
  const auto& b = g.batch;
  std::unordered_map<task_key, std::string> ids;
  for (std::size_t i = 0; i < b.size(); ++i)
    ids.emplace(b.keys[i], format_key(b.functions[b.function[i]], b.keys[i]));
  auto id_of = [&](task_key k) {
    auto it = ids.find(k);
    return it != ids.end() ? it->second : format_key("persisted", k);
  };
  std::string dot = "digraph troupe {\n  rankdir=BT;\n  node [shape=box, style=rounded];\n";
  for (std::size_t i = 0; i < b.size(); ++i) {
    std::string id = id_of(b.keys[i]);
    dot += "  \"" + id + "\" [label=\"" + b.functions[b.function[i]] + "\"];\n";
    for (auto d = b.deps_begin(i); d < b.dep_end[i]; ++d)
      dot += "  \"" + id_of(b.deps[d]) + "\" -> \"" + id + "\";\n";
  }
  return write_graph(dot + "}\n", path);
}

std::size_t count_tasks(const array_ptr& n) {
  return build_graph(*n).batch.size();
}

namespace {
void compute_on(internal::client_core& core, const array_ptr& n, void* out) {
  built_graph g = build_graph(*n);
  auto keys = g.keys;
  auto states = run(core, g);
  std::vector<future_state*> raw;
  for (auto& s : states)
    raw.push_back(s.get());
  auto timeout = default_timeout();
  fetch_all(raw, timeout);
  std::size_t elem = itemsize(n->type);
  auto strides = internal::array::c_strides(n->shape);
  std::size_t k = 0;
  msgpack::zone zone;
  for_each_index(blocks_per_axis(n->chunks), [&](const idx_t& idx) {
    const std::string& bytes = await_result(*raw[k++], timeout);
    auto obj = msgpack::unpack(zone, bytes.data(), bytes.size(), &reference_all);
    auto v = read_block(obj);
    shape_t want = block_shape(*n, idx);
    if (v.type != n->type || v.shape != want)
      throw decode_error("troupe::array: a chunk came back as " + std::string{dtype_name(v.type)}
                         + " of another shape than the array's chunk (a map_blocks function "
                           "that returned a different shape?)");
    auto off = block_offsets(*n, idx);
    std::int64_t start = 0;
    for (std::size_t d = 0; d < off.size(); ++d)
      start += off[d] * strides[d];
    internal::array::copy_strided(elem, static_cast<char*>(out) + start * static_cast<std::int64_t>(elem),
                                  strides, v.data, internal::array::c_strides(want), want);
    zone.clear();
  });
}

array_ptr persist_on(internal::client_core& core, const array_ptr& n) {
  built_graph g = build_graph(*n);
  auto keys = g.keys;
  auto states = run(core, g);
  auto p = std::make_shared<array_node>();
  p->kind = node_kind::persisted;
  p->type = n->type;
  p->shape = n->shape;
  p->chunks = n->chunks;
  p->keys = std::move(keys);
  p->states = std::move(states);
  return p;
}
} // namespace

void compute_into(client& c, const array_ptr& n, void* out) { compute_on(c.core(), n, out); }

void compute_into(const array_ptr& n, void* out) { compute_on(*default_client_core(), n, out); }

// As Dask's persist: returns at once; the chunks compute in the background
// and later graphs wait for them.
array_ptr persist(client& c, const array_ptr& n) { return persist_on(c.core(), n); }

array_ptr persist(const array_ptr& n) { return persist_on(*default_client_core(), n); }

void wait_chunks(const array_ptr& n) {
  if (n->kind != node_kind::persisted)
    return;
  std::vector<future_state*> raw;
  for (auto& s : n->states)
    raw.push_back(s.get());
  if (!wait_all(raw, default_timeout()))
    throw timeout_error("troupe::wait: the array's chunks were not all computed within the "
                        "client's timeout");
  for (auto* s : raw)
    if (s->status.load(std::memory_order_acquire) != future_status::finished)
      await_result(*s, default_timeout());  // throws the task's error
}

} // namespace troupe::detail
