// The kmeans example's outputs besides the terminal: a CSV of sampled
// points with their labels, and a scatter plot of them drawn by gnuplot.
#pragma once

#include <cstdint>
#include <string>

#include <troupe/troupe.hpp>

namespace kmeans {

/// Writes "x,y,label" and a row per point (points: (n, 2), labels: (n,)).
/// Throws std::runtime_error when the file cannot be written.
void write_labels_csv(const std::string& path, const troupe::ndarray<double>& points,
                      const troupe::ndarray<std::int64_t>& labels);

enum class plot_status { written, no_gnuplot, failed };

/// Draws the points coloured by label, and the centres, into a PNG with
/// gnuplot, run without a shell, the script on its standard input.
plot_status plot_labels(const std::string& png, const std::string& title,
                        const troupe::ndarray<double>& points,
                        const troupe::ndarray<std::int64_t>& labels,
                        const troupe::ndarray<double>& centres);

} // namespace kmeans
