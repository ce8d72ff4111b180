// What the array tests compare against: a plain dense n-d array in C order,
// filled and combined with ordinary loops, so that every expected value is
// computed without troupe::array. Also a cluster shared by a test suite.
#pragma once

#include <gtest/gtest.h>

#include <cmath>
#include <cstdint>
#include <memory>
#include <random>
#include <sstream>
#include <string>
#include <vector>

#include <troupe/troupe.hpp>

namespace array_test {

using index_t = std::vector<std::int64_t>;

inline std::int64_t elements(const troupe::shape_t& shape) {
  std::int64_t n = 1;
  for (auto d : shape)
    n *= d;
  return n;
}

/// Calls f(index) for every multi-index of `shape`, in C order (the last
/// axis fastest); once with {} for a 0-d shape, never for an empty one.
template <class F>
void for_each_index(const troupe::shape_t& shape, F&& f) {
  for (auto d : shape)
    if (d == 0)
      return;
  index_t idx(shape.size(), 0);
  for (;;) {
    f(static_cast<const index_t&>(idx));
    std::size_t d = shape.size();
    for (;;) {
      if (d == 0)
        return;
      --d;
      if (++idx[d] < shape[d])
        break;
      idx[d] = 0;
    }
  }
}

/// A dense reference array: values in C order.
template <class T>
struct dense {
  troupe::shape_t shape;
  std::vector<T> values;

  dense() = default;
  explicit dense(troupe::shape_t s, T fill = T{})
    : shape(std::move(s)), values(static_cast<std::size_t>(elements(shape)), fill) {}
  dense(troupe::shape_t s, std::vector<T> v) : shape(std::move(s)), values(std::move(v)) {}
  /// A copy of a computed result.
  template <class E>
  static dense of(const troupe::ndarray<E>& a) {
    return dense{a.shape(), std::vector<T>(a.values().begin(), a.values().end())};
  }

  std::size_t offset(const index_t& idx) const {
    std::int64_t off = 0;
    for (std::size_t d = 0; d < shape.size(); ++d)
      off = off * shape[d] + idx[d];
    return static_cast<std::size_t>(off);
  }
  T& operator[](const index_t& idx) { return values[offset(idx)]; }
  const T& operator[](const index_t& idx) const { return values[offset(idx)]; }
};

/// Values of a fixed pseudo-random sequence (std::mt19937_64), uniform on [lo, hi).
inline std::vector<double> random_values(std::size_t n, std::uint64_t seed, double lo = -1,
                                         double hi = 1) {
  std::mt19937_64 gen{seed};
  std::uniform_real_distribution<double> dist{lo, hi};
  std::vector<double> v(n);
  for (auto& x : v)
    x = dist(gen);
  return v;
}
/// Integers uniform on [lo, hi] (duplicates on purpose: ties for argmin).
inline std::vector<std::int64_t> random_integers(std::size_t n, std::uint64_t seed,
                                                 std::int64_t lo, std::int64_t hi) {
  std::mt19937_64 gen{seed};
  std::uniform_int_distribution<std::int64_t> dist{lo, hi};
  std::vector<std::int64_t> v(n);
  for (auto& x : v)
    x = dist(gen);
  return v;
}

inline std::string show(const troupe::shape_t& s) {
  std::ostringstream out;
  out << "(";
  for (std::size_t i = 0; i < s.size(); ++i)
    out << (i ? ", " : "") << s[i];
  out << (s.size() == 1 ? ",)" : ")");
  return out.str();
}

/// Every element equal (NaN equals NaN), same shape.
template <class E, class T>
::testing::AssertionResult same_values(const troupe::ndarray<E>& got, const dense<T>& want) {
  if (got.shape() != want.shape)
    return ::testing::AssertionFailure()
           << "shape " << show(got.shape()) << ", expected " << show(want.shape);
  for (std::size_t k = 0; k < want.values.size(); ++k) {
    auto g = got.values()[k];
    auto w = want.values[k];
    bool both_nan = false;
    if constexpr (std::is_floating_point_v<T>)
      both_nan = std::isnan(static_cast<double>(g)) && std::isnan(static_cast<double>(w));
    if (!both_nan && static_cast<T>(g) != w)
      return ::testing::AssertionFailure()
             << "element " << k << " is " << +g << ", expected " << +w;
  }
  return ::testing::AssertionSuccess();
}

/// Every element within `tolerance` x max(1, |expected|), same shape.
template <class E, class T>
::testing::AssertionResult close_values(const troupe::ndarray<E>& got, const dense<T>& want,
                                        double tolerance) {
  if (got.shape() != want.shape)
    return ::testing::AssertionFailure()
           << "shape " << show(got.shape()) << ", expected " << show(want.shape);
  for (std::size_t k = 0; k < want.values.size(); ++k) {
    auto g = static_cast<double>(got.values()[k]);
    auto w = static_cast<double>(want.values[k]);
    if (std::isnan(g) && std::isnan(w))
      continue;
    if (!(std::abs(g - w) <= tolerance * std::max(1.0, std::abs(w))))
      return ::testing::AssertionFailure()
             << "element " << k << " is " << g << ", expected " << w;
  }
  return ::testing::AssertionSuccess();
}

/// A cluster of two single-threaded workers for a whole test suite (a
/// function-static one would be destroyed after CAF at exit).
class cluster_suite : public ::testing::Test {
protected:
  static void SetUpTestSuite() {
    cluster_ = std::make_unique<troupe::local_cluster>(
      troupe::local_cluster_options{.n_workers = 2, .threads_per_worker = 1});
    client_ = std::make_unique<troupe::client>(*cluster_);
  }
  static void TearDownTestSuite() {
    client_.reset();
    cluster_.reset();
  }
  static troupe::client& client() { return *client_; }

  inline static std::unique_ptr<troupe::local_cluster> cluster_;
  inline static std::unique_ptr<troupe::client> client_;
};

/// Tasks the scheduler has run to completion since it started.
inline std::uint64_t completed_tasks(troupe::client& c) { return c.scheduler_info().completed; }

/// Runs f and expects a troupe::error whose message contains `words`.
template <class F>
void expect_error_saying(F&& f, const std::string& words) {
  try {
    f();
    ADD_FAILURE() << "no error; expected one saying '" << words << "'";
  } catch (const troupe::error& e) {
    EXPECT_NE(std::string{e.what()}.find(words), std::string::npos) << e.what();
  }
}

} // namespace array_test
