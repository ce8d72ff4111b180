// The array tutorials of seeds 000 and 002 in C++: a 20,000 x 20,000 random
// array in 1,000 x 1,000 chunks, x + x.T, a strided slice and a mean; the
// (600, 200, 200) array and its sum. Nothing runs until compute().
//   array_tutorial               workers are threads of this process
//   array_tutorial --processes   workers are processes running this program
#include <chrono>
#include <cstring>
#include <iostream>

#include <troupe/troupe.hpp>

template <class F>
double seconds(F&& f) {
  auto t0 = std::chrono::steady_clock::now();
  f();
  return std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
}

int main(int argc, char** argv) {
  troupe::init(argc, argv);  // in a worker process: serves tasks, never returns
  bool processes = argc > 1 && std::strcmp(argv[1], "--processes") == 0;
  troupe::local_cluster cluster{{.n_workers = 2, .threads_per_worker = 1, .processes = processes}};
  troupe::client client{cluster};
  std::cout << cluster << "\n\n";

  // Seed 000: 20k x 20k random array, chunked into 1000 x 1000 tiles.
  auto x = troupe::random::uniform({20'000, 20'000}, {1'000, 1'000}, 0.0, 1.0, {.seed = 42});
  auto y = x + x.T();
  auto z = y["::2, 5000:"].mean(1);
  std::cout << "x = random::uniform((20000, 20000), chunks=(1000, 1000))\n" << x << "\n";
  std::cout << "z = (x + x.T)[::2, 5000:].mean(axis=1)\n" << z << "\n";
  troupe::ndarray<double> zs;
  double t = seconds([&] { zs = z.compute(); });
  std::cout << "z[:3] = " << zs(0) << ", " << zs(1) << ", " << zs(2) << "  (" << zs.size()
            << " values in " << t << " s)\n\n";
  // Each value averages 15,000 sums of two uniform numbers: close to 1.
  for (double v : zs.values())
    if (v < 0.95 || v > 1.05)
      return 1;

  // Seed 002: the (600, 200, 200) array in (300, 100, 200) chunks, and its sum.
  auto darr = troupe::random::uniform({600, 200, 200}, {300, 100, 200});
  std::cout << "darr = random::uniform((600, 200, 200), chunks=(300, 100, 200))\n" << darr << "\n";
  auto total = darr.sum();
  std::cout << "task graph of darr.sum() written to " << total.visualize("array-sum-graph.svg")
            << "\n";
  double s = 0;
  t = seconds([&] { s = total.compute().item(); });
  std::cout << "darr.sum() = " << s << " (about 24,000,000 / 2) in " << t << " s\n";
  // The same along an axis, and a slice that needs only some of the chunks.
  auto head = darr["0, :10, :10"].compute();
  std::cout << "darr[0, :10, :10] has shape (" << head.shape()[0] << ", " << head.shape()[1]
            << "); darr.mean(axis=0)[0, 0] = " << darr.mean(0).compute()(0, 0) << "\n";

  // ones((2000, 300), chunks=(200, 50)).sum() is exactly 600,000.
  auto ones = troupe::ones<double>({2000, 300}, {200, 50});
  double n = ones.sum().compute().item();
  std::cout << "ones((2000, 300)).sum() = " << n << "\n";
  return n == 600'000 && s > 11.9e6 && s < 12.1e6 ? 0 : 1;
}
