#include "local_kmeans.hpp"

#include <algorithm>
#include <cmath>
#include <limits>
#include <stdexcept>
#include <string>

namespace kmeans {

namespace {

double sq_distance(const double* a, const double* b, std::int64_t features) {
  double s = 0;
  for (std::int64_t f = 0; f < features; ++f)
    s += (a[f] - b[f]) * (a[f] - b[f]);
  return s;
}

// An index drawn in proportion to `mass` (which sums to `total` > 0).
std::int64_t draw(const std::vector<double>& mass, double total, splitmix& rng) {
  double target = rng.uniform() * total;
  std::int64_t last = 0;
  for (std::size_t i = 0; i < mass.size(); ++i) {
    if (mass[i] <= 0)
      continue;
    last = static_cast<std::int64_t>(i);
    target -= mass[i];
    if (target < 0)
      break;
  }
  return last;  // rounding can leave target >= 0 after the last point
}

void append_point(std::vector<double>& to, const weighted_points& p, std::int64_t i) {
  auto first = p.coords.begin() + i * p.features;
  to.insert(to.end(), first, first + p.features);
}

} // namespace

std::vector<std::int64_t> nearest_centres(const std::vector<double>& points,
                                          const std::vector<double>& centres,
                                          std::int64_t features, std::vector<double>* d2) {
  const auto n = static_cast<std::int64_t>(points.size()) / features;
  const auto k = static_cast<std::int64_t>(centres.size()) / features;
  std::vector<std::int64_t> label(static_cast<std::size_t>(n), 0);
  if (d2)
    d2->assign(static_cast<std::size_t>(n), std::numeric_limits<double>::infinity());
  for (std::int64_t i = 0; i < n; ++i) {
    double best = std::numeric_limits<double>::infinity();
    for (std::int64_t j = 0; j < k; ++j) {
      double d = sq_distance(&points[i * features], &centres[j * features], features);
      if (d < best) {
        best = d;
        label[i] = j;
      }
    }
    if (d2)
      (*d2)[i] = best;
  }
  return label;
}

std::vector<double> kmeans_plus_plus(const weighted_points& points, int k, splitmix& rng) {
  double total = 0;
  for (double w : points.weights)
    total += w;
  if (points.size() == 0 || total <= 0)
    throw std::invalid_argument("k-means++: no weighted points to choose from");
  std::vector<double> centres;
  append_point(centres, points, draw(points.weights, total, rng));
  std::vector<double> d2, mass(points.weights.size());
  for (int c = 1; c < k; ++c) {
    nearest_centres(points.coords, centres, points.features, &d2);
    total = 0;
    for (std::size_t i = 0; i < mass.size(); ++i)
      total += mass[i] = points.weights[i] * d2[i];
    if (total <= 0)
      throw std::invalid_argument("k-means++: only " + std::to_string(c)
                                  + " distinct points for " + std::to_string(k) + " centres");
    append_point(centres, points, draw(mass, total, rng));
  }
  return centres;
}

std::vector<double> weighted_lloyd(const weighted_points& points, std::vector<double> centres,
                                   double tolerance, int max_iterations) {
  const std::int64_t d = points.features;
  const std::int64_t k = static_cast<std::int64_t>(centres.size()) / d;
  for (int it = 0; it < max_iterations; ++it) {
    auto label = nearest_centres(points.coords, centres, d);
    std::vector<double> sums(static_cast<std::size_t>(k * d), 0.0), weight(k, 0.0);
    for (std::int64_t i = 0; i < points.size(); ++i) {
      double w = points.weights[i];
      weight[label[i]] += w;
      for (std::int64_t f = 0; f < d; ++f)
        sums[label[i] * d + f] += w * points.coords[i * d + f];
    }
    std::vector<double> next = centres;
    for (std::int64_t j = 0; j < k; ++j)
      if (weight[j] > 0)
        for (std::int64_t f = 0; f < d; ++f)
          next[j * d + f] = sums[j * d + f] / weight[j];
    double shift = largest_shift(centres, next, d);
    centres = std::move(next);
    if (shift < tolerance)
      break;
  }
  return centres;
}

double largest_shift(const std::vector<double>& before, const std::vector<double>& after,
                     std::int64_t features) {
  double largest = 0;
  for (std::size_t j = 0; j + static_cast<std::size_t>(features) <= before.size(); j += features)
    largest = std::max(largest, std::sqrt(sq_distance(&before[j], &after[j], features)));
  return largest;
}

} // namespace kmeans
