// Indexing arrays: integers and slices per axis (any step, negative too),
// given as values or in NumPy's syntax, mapped onto the input's chunks.
#include <algorithm>
#include <optional>
#include <string>
#include <string_view>
#include <variant>
#include <vector>

#include "array/node.hpp"
#include "array/node_building.hpp"
#include "troupe/errors.hpp"

namespace troupe::detail {

namespace {

// The pieces of input chunks that `start + k * step` (k < count) touches, in
// output order.
std::vector<axis_piece> pieces_of(const std::vector<std::int64_t>& lengths, std::int64_t start,
                                  std::int64_t step, std::int64_t count) {
  std::vector<axis_piece> out;
  if (count == 0)
    return {{0, 0, 1, 0}};
  auto starts = chunk_starts(lengths);
  std::int64_t k = 0;
  while (k < count) {
    std::int64_t i = start + k * step;
    auto b = static_cast<std::int64_t>(std::upper_bound(starts.begin(), starts.end(), i)
                                       - starts.begin()) - 1;
    std::int64_t lo = starts[static_cast<std::size_t>(b)];
    std::int64_t hi = starts[static_cast<std::size_t>(b) + 1];
    // How many of the following indices stay in [lo, hi).
    std::int64_t room = step > 0 ? (hi - 1 - i) / step + 1 : (i - lo) / (-step) + 1;
    std::int64_t take = std::min(room, count - k);
    out.push_back({b, i - lo, step, take});
    k += take;
  }
  return out;
}

} // namespace

array_ptr getitem(const array_ptr& a, const std::vector<index>& idx) {
  const std::size_t nd = a->shape.size();
  if (idx.size() > nd)
    fail("too many indices: " + std::to_string(idx.size()) + " for an array of dimension "
         + std::to_string(nd));
  auto n = node_of(node_kind::getitem, a->type, {}, {});
  n->inputs = {a};
  n->dropped.assign(nd, false);
  bool identity = true;
  for (std::size_t d = 0; d < nd; ++d) {
    const std::int64_t len = a->shape[d];
    index ix = d < idx.size() ? idx[d] : index{all};
    if (auto* i = std::get_if<std::int64_t>(&ix)) {
      std::int64_t v = *i < 0 ? *i + len : *i;
      if (v < 0 || v >= len)
        fail("index " + std::to_string(*i) + " is out of bounds for axis " + std::to_string(d)
             + " with size " + std::to_string(len));
      n->pieces.push_back(pieces_of(a->chunks[d], v, 1, 1));
      n->dropped[d] = true;
      identity = false;
      continue;
    }
    const auto& s = std::get<slice>(ix);
    if (s.step == 0)
      fail("slice step cannot be zero (axis " + std::to_string(d) + ")");
    std::int64_t start, stop, count;
    if (s.step > 0) {
      start = s.start ? (*s.start < 0 ? *s.start + len : *s.start) : 0;
      stop = s.stop ? (*s.stop < 0 ? *s.stop + len : *s.stop) : len;
      start = std::clamp<std::int64_t>(start, 0, len);
      stop = std::clamp<std::int64_t>(stop, 0, len);
      count = stop > start ? (stop - start + s.step - 1) / s.step : 0;
    } else {
      start = s.start ? (*s.start < 0 ? *s.start + len : *s.start) : len - 1;
      stop = s.stop ? (*s.stop < 0 ? *s.stop + len : *s.stop) : -1;
      start = std::clamp<std::int64_t>(start, -1, len - 1);
      stop = std::clamp<std::int64_t>(stop, -1, len - 1);
      count = start > stop ? (start - stop + (-s.step) - 1) / (-s.step) : 0;
    }
    if (!(start == 0 && s.step == 1 && count == len))
      identity = false;
    auto p = pieces_of(a->chunks[d], start, s.step, count);
    std::vector<std::int64_t> lengths;
    for (auto& q : p)
      lengths.push_back(q.count);
    n->shape.push_back(count);
    n->chunks.push_back(lengths);
    n->pieces.push_back(std::move(p));
  }
  if (identity)
    return a;
  return n;
}

array_ptr getitem(const array_ptr& a, std::string_view text) {
  std::vector<index> idx;
  auto trim = [](std::string_view s) {
    while (!s.empty() && s.front() == ' ')
      s.remove_prefix(1);
    while (!s.empty() && s.back() == ' ')
      s.remove_suffix(1);
    return s;
  };
  auto number = [&](std::string_view s) -> std::optional<std::int64_t> {
    s = trim(s);
    if (s.empty())
      return std::nullopt;
    std::int64_t v = 0;
    std::size_t i = 0;
    bool neg = s[0] == '-';
    if (neg || s[0] == '+')
      ++i;
    if (i == s.size())
      fail("index \"" + std::string{text} + "\": '" + std::string{s} + "' is not an integer");
    for (; i < s.size(); ++i) {
      char c = s[i];
      if (c == '_' || c == '\'')
        continue;
      if (c < '0' || c > '9')
        fail("index \"" + std::string{text} + "\": '" + std::string{s} + "' is not an integer");
      v = v * 10 + (c - '0');
    }
    return neg ? -v : v;
  };
  std::size_t pos = 0;
  while (pos <= text.size()) {
    auto comma = text.find(',', pos);
    auto part = trim(text.substr(pos, comma == std::string_view::npos ? text.npos : comma - pos));
    if (part.empty() && comma == std::string_view::npos && !idx.empty())
      break;  // trailing comma
    if (part.find(':') == std::string_view::npos) {
      auto v = number(part);
      if (!v)
        fail("index \"" + std::string{text} + "\" has an empty position");
      idx.emplace_back(*v);
    } else {
      slice s;
      auto c1 = part.find(':');
      auto c2 = part.find(':', c1 + 1);
      s.start = number(part.substr(0, c1));
      s.stop = number(part.substr(c1 + 1, c2 == std::string_view::npos ? part.npos : c2 - c1 - 1));
      if (c2 != std::string_view::npos) {
        if (part.find(':', c2 + 1) != std::string_view::npos)
          fail("index \"" + std::string{text} + "\": too many ':' in '" + std::string{part} + "'");
        s.step = number(part.substr(c2 + 1)).value_or(1);
      }
      idx.emplace_back(s);
    }
    if (comma == std::string_view::npos)
      break;
    pos = comma + 1;
  }
  return getitem(a, idx);
}

} // namespace troupe::detail
