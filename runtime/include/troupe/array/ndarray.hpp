// ndarray<T>: a dense, local n-dimensional result (what array::compute gives),
// stored in C (row-major) order.
#pragma once

#include <cstdint>
#include <initializer_list>
#include <stdexcept>
#include <string>
#include <vector>

#include "troupe/array/dtype.hpp"

namespace troupe {

using shape_t = std::vector<std::int64_t>;

namespace detail {
/// Elements of a shape (1 for a 0-d shape).
inline std::int64_t shape_size(const shape_t& shape) {
  std::int64_t n = 1;
  for (auto d : shape)
    n *= d;
  return n;
}
[[noreturn]] void throw_index_error(const shape_t& shape, const std::vector<std::int64_t>& index);
} // namespace detail

template <class T>
class ndarray {
public:
  using value_type = storage_t<T>;

  ndarray() = default;
  ndarray(shape_t shape, std::vector<value_type> values)
    : shape_(std::move(shape)), values_(std::move(values)) {
    if (static_cast<std::int64_t>(values_.size()) != detail::shape_size(shape_))
      throw std::invalid_argument("troupe::ndarray: " + std::to_string(values_.size())
                                  + " values do not fill the shape");
  }

  const shape_t& shape() const noexcept { return shape_; }
  std::size_t ndim() const noexcept { return shape_.size(); }
  std::size_t size() const noexcept { return values_.size(); }
  /// All elements in C order.
  const std::vector<value_type>& values() const noexcept { return values_; }
  std::vector<value_type>& values() noexcept { return values_; }

  /// Element at (i, j, ...); one index per dimension, bounds checked.
  template <class... I>
  const value_type& operator()(I... index) const {
    return values_[offset({static_cast<std::int64_t>(index)...})];
  }
  template <class... I>
  value_type& operator()(I... index) {
    return values_[offset({static_cast<std::int64_t>(index)...})];
  }
  const value_type& at(const std::vector<std::int64_t>& index) const {
    return values_[offset(index)];
  }
  /// The single element of a 0-d (or one-element) result, e.g. of sum().
  value_type item() const {
    if (values_.size() != 1)
      throw std::invalid_argument("troupe::ndarray::item: the array has "
                                  + std::to_string(values_.size()) + " elements, not 1");
    return values_[0];
  }

private:
  std::size_t offset(const std::vector<std::int64_t>& index) const {
    if (index.size() != shape_.size())
      detail::throw_index_error(shape_, index);
    std::int64_t off = 0;
    for (std::size_t d = 0; d < shape_.size(); ++d) {
      if (index[d] < 0 || index[d] >= shape_[d])
        detail::throw_index_error(shape_, index);
      off = off * shape_[d] + index[d];
    }
    return static_cast<std::size_t>(off);
  }

  shape_t shape_;
  std::vector<value_type> values_;
};

} // namespace troupe
