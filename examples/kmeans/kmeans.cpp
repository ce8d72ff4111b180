// Seed 003 in C++: dask-ml's KMeans on make_blobs. 10,000,000 points around
// three centres, persisted on the cluster in chunks of 1,000,000 rows, then
// k-means (k-means|| initialisation, Lloyd iterations) as array graphs.
//   kmeans                 workers are threads of this process
//   kmeans --processes     workers are processes running this program
//   kmeans --help          the other options
#include <chrono>
#include <cstdio>
#include <iostream>

#include <troupe/troupe.hpp>

#include "blobs.hpp"
#include "kmeans_lib.hpp"
#include "options.hpp"
#include "report.hpp"

namespace {

using steady = std::chrono::steady_clock;

double seconds_since(steady::time_point t0) {
  return std::chrono::duration<double>(steady::now() - t0).count();
}

std::string with_commas(std::int64_t n) {
  std::string s = std::to_string(n);
  for (auto i = static_cast<std::ptrdiff_t>(s.size()) - 3; i > 0; i -= 3)
    s.insert(static_cast<std::size_t>(i), ",");
  return s;
}

int run(const kmeans::options& o) {
  troupe::local_cluster cluster{
    {.n_workers = o.workers, .threads_per_worker = o.threads, .processes = o.processes}};
  troupe::client client{cluster};
  std::cout << cluster << "\n";

  // Data generation ends before the clock starts, as in Dask, whose
  // X.persist() on the threaded scheduler returns once it is done.
  auto t0 = steady::now();
  auto X = kmeans::make_blobs(o.samples, o.chunk, o.seed).persist(client);
  troupe::wait(X);
  std::cout << X << "blobs generated in " << seconds_since(t0) << " s\n";

  auto t1 = steady::now();
  auto result = kmeans::kmeans(client, X, 3, {.seed = o.seed});
  double seconds = seconds_since(t1);

  std::cout << "k-means: 3 centres after " << result.iterations << " Lloyd iterations ("
            << result.candidates << " k-means|| candidates)\n";
  for (std::int64_t j = 0; j < 3; ++j)
    std::printf("  (%8.4f, %8.4f)\n", result.centres(j, 0), result.centres(j, 1));
  std::printf("time %.3f s (k-means|| %.3f s, Lloyd %.3f s), data generation excluded\n",
              seconds, result.init_seconds, result.lloyd_seconds);
  std::fflush(stdout);

  // Every 10,000th point, as the seed's scatter plot.
  auto points = X["::10000"].compute(client);
  auto labels = result.labels["::10000"].compute(client);
  kmeans::write_labels_csv(o.csv, points, labels);
  std::cout << "labels of every 10,000th point: " << o.csv << " (" << labels.size()
            << " rows)\n";
  std::string title = "k-means of " + with_commas(o.samples) + " points: every 10,000th";
  switch (kmeans::plot_labels(o.png, title, points, labels, result.centres)) {
  case kmeans::plot_status::written: std::cout << "plot: " << o.png << "\n"; break;
  case kmeans::plot_status::no_gnuplot: std::cout << "plot: gnuplot is not installed\n"; break;
  case kmeans::plot_status::failed: std::cout << "plot: gnuplot failed\n"; break;
  }
  return 0;
}

} // namespace

int main(int argc, char** argv) {
  troupe::init(argc, argv);  // in a worker process: serves tasks, never returns
  kmeans::options o;
  try {
    o = kmeans::parse_options(argc, argv);
  } catch (const kmeans::usage_error& e) {
    std::cerr << "kmeans: " << e.what() << " (see --help)\n";
    return 2;
  }
  if (o.help) {
    std::cout << kmeans::usage;
    return 0;
  }
  try {
    return run(o);
  } catch (const std::exception& e) {
    std::cerr << "kmeans: " << e.what() << "\n";
    return 1;
  }
}
