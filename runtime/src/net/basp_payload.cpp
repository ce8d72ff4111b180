#include "net/basp_payload.hpp"

#include <unordered_set>
#include <utility>
#include <vector>

#include <caf/atom.hpp>
#include <caf/binary_deserializer.hpp>
#include <caf/node_id.hpp>

#include "protocol/messages.hpp"

namespace troupe::internal::basp_payload {

namespace {

template <caf::type_id_t... Is>
void add_troupe_types(std::unordered_set<std::string_view>& names,
                      std::integer_sequence<caf::type_id_t, Is...>) {
  (names.emplace(caf::type_name_by_id<caf::id_block::troupe::begin + Is>::value), ...);
}

const std::unordered_set<std::string_view>& exchanged_types() {
  static const auto names = [] {
    // Replies and error contexts: scalars, strings, atoms and actor handles,
    // which decode without throwing; the last also in the exchange CAF's
    // middleman starts with each new node (sys_atom, get_atom, "info" to its
    // SpawnServ; ok_atom, "info", an actor, a name back). "@error" is
    // handled apart: it nests a message.
    std::unordered_set<std::string_view> s{"@u8",  "@u16", "@u32",    "@u64", "@i8",
                                           "@i16", "@i32", "@i64",    "bool", "@str",
                                           "@strvec", "@atom", "@unit", "@strong_actor_ptr",
                                           "@actor", "@addr"};
    add_troupe_types(s, std::make_integer_sequence<caf::type_id_t, caf::id_block::troupe::end
                                                                     - caf::id_block::troupe::begin>{});
    return s;
  }();
  return names;
}

// Errors nest messages, which may hold errors: a bound on the depth.
constexpr int max_depth = 4;

std::string check_error(caf::binary_deserializer& source, int depth);

// A message as CAF 0.17 writes it: type number 0, then "@<>+name+name..."
// naming each element, then the elements. Only an error as the first element
// can be found without decoding the others: elsewhere it is refused.
std::string check_message(caf::binary_deserializer& source, int depth) {
  std::uint16_t nr = 0;
  std::string names;
  if (source.begin_object(nr, names) || nr != 0)
    return "a message that does not decode";
  if (names == "@<>")
    return {};
  if (names.compare(0, 4, "@<>+") != 0)
    return "a message that does not decode";
  std::string_view rest{names};
  rest.remove_prefix(4);
  bool error_first = false;
  for (std::size_t i = 0;; ++i) {
    auto plus = rest.find('+');
    auto name = rest.substr(0, plus);
    if (name == "@error" && i == 0)
      error_first = true;
    else if (exchanged_types().count(name) == 0)
      return "a message holding a " + std::string{name} + ", which troupe does not exchange";
    if (plus == std::string_view::npos)
      break;
    rest.remove_prefix(plus + 1);
  }
  return error_first ? check_error(source, depth) : std::string{};
}

// An error: code, category, then its context, a message.
std::string check_error(caf::binary_deserializer& source, int depth) {
  if (depth >= max_depth)
    return "errors nested too deep";
  std::uint8_t code = 0;
  caf::atom_value category{};
  if (source(code, category))
    return "an error that does not decode";
  return check_message(source, depth + 1);
}

std::string check_payload(std::uint8_t operation, std::string_view payload) {
  caf::binary_deserializer source{static_cast<caf::execution_unit*>(nullptr), payload.data(),
                                  payload.size()};
  caf::node_id source_node, dest_node;
  switch (operation) {
    case routed_message:
      if (source(source_node, dest_node))
        return "a routed message whose nodes do not decode";
      [[fallthrough]];
    case direct_message: {
      // The forwarding stack: actor id and node of each actor.
      std::size_t n = 0;
      if (source.begin_sequence(n))
        return "a message that does not decode";
      for (std::size_t i = 0; i < n; ++i) {
        caf::actor_id aid = 0;
        caf::node_id node;
        if (source(aid, node))
          return "a message that does not decode";
      }
      if (source.end_sequence())
        return "a message that does not decode";
      return check_message(source, 0);
    }
    case monitor_message:
      if (source(source_node, dest_node))
        return "a monitor message that does not decode";
      return {};
    case down_message:
      if (source(source_node, dest_node))
        return "a down message that does not decode";
      return check_error(source, 0);
    default:
      return {};
  }
}

} // namespace

bool exchanged(std::string_view name) { return exchanged_types().count(name) > 0; }

std::string check(std::uint8_t operation, std::string_view payload) {
  try {
    return check_payload(operation, payload);
  } catch (const std::exception& e) {
    return std::string{"a payload that does not decode ("} + e.what() + ")";
  } catch (...) {
    return "a payload that does not decode";
  }
}

} // namespace troupe::internal::basp_payload
