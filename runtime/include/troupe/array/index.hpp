// Indexing a troupe::array: integers and slices per axis, as NumPy's x[i, a:b:c].
#pragma once

#include <cstdint>
#include <optional>
#include <variant>
#include <vector>

namespace troupe {

/// start:stop:step on one axis. Missing start/stop mean "from the beginning"
/// / "to the end" (for a negative step: from the end / to the beginning);
/// negative values count from the end, as in NumPy.
struct slice {
  std::optional<std::int64_t> start;
  std::optional<std::int64_t> stop;
  std::int64_t step = 1;
};

/// The whole axis (NumPy's `:`).
inline const slice all{};

/// One axis of an index: an integer (the axis is dropped) or a slice.
using index = std::variant<std::int64_t, slice>;

/// Axes of a reduction: all of them (the default), one, or several.
class axes {
public:
  axes() = default;
  axes(int axis) : list_{axis}, all_(false) {}
  axes(std::initializer_list<int> list) : list_(list), all_(false) {}
  explicit axes(std::vector<int> list) : list_(std::move(list)), all_(false) {}
  bool all() const noexcept { return all_; }
  const std::vector<int>& list() const noexcept { return list_; }

private:
  std::vector<int> list_;
  bool all_ = true;
};

/// Options of reductions.
struct reduce_options {
  /// How many chunk results one combining task takes (Dask's split_every);
  /// 0: the default, 8.
  int split_every = 0;
  /// Keep the reduced axes with length 1 (NumPy's keepdims).
  bool keepdims = false;
};

} // namespace troupe
