// The seed-002 tutorial in C++: toy functions that sleep to simulate work,
// one delayed chain, then 30 chains on 1 worker, then again on 4 workers.
//   quickstart               workers are threads of this process
//   quickstart --processes   workers are processes running this program
//                            (troupe::init below makes that work)
#include <chrono>
#include <cmath>
#include <cstring>
#include <iostream>
#include <thread>
#include <vector>

#include <troupe/troupe.hpp>

using namespace std::chrono_literals;

int square(int x) {
  std::this_thread::sleep_for(100ms);
  return x * x;
}

int add(int x, int y) {
  std::this_thread::sleep_for(100ms);
  return x + y;
}

double square_root(int x) {
  std::this_thread::sleep_for(100ms);
  return std::sqrt(x);
}

TROUPE_TASK(square, add, square_root);

template <class F>
double seconds(F&& f) {
  auto t0 = std::chrono::steady_clock::now();
  f();
  return std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
}

int main(int argc, char** argv) {
  troupe::init(argc, argv);  // in a worker process: serves tasks, never returns
  bool processes = argc > 1 && std::strcmp(argv[1], "--processes") == 0;
  troupe::local_cluster cluster{{.n_workers = 1, .threads_per_worker = 1, .processes = processes}};
  troupe::client client{cluster};
  std::cout << cluster << "\n";

  // One chain: nothing runs until compute.
  auto x = troupe::delay(square)(3);
  auto y = troupe::delay(square)(4);
  auto z = troupe::delay(add)(x, y);
  auto r = troupe::delay(square_root)(z);
  std::cout << "graph written to " << r.visualize("quickstart-graph.svg") << "\n";
  double v = 0;
  double t = seconds([&] { v = client.compute(r).get(); });
  std::cout << "sqrt(3^2 + 4^2) = " << v << " in " << t << " s\n";
  if (v != 5.0)
    return 1;

  // 30 chains. square(value) twice has one key (pure), so it runs once.
  std::vector<troupe::delayed<double>> results;
  for (int value = 0; value < 30; ++value) {
    auto a = troupe::delay(square)(value);
    auto b = troupe::delay(square)(value);
    auto c = troupe::delay(add)(a, b);
    results.push_back(troupe::delay(square_root)(c));
  }
  auto check = [](const std::vector<double>& got) {
    for (int value = 0; value < 30; ++value)
      if (std::abs(got[value] - std::sqrt(2.0 * value * value)) > 1e-12)
        return false;
    return true;
  };
  std::vector<double> got;
  double t1 = seconds([&] { got = client.gather(client.compute(results)); });
  std::cout << "30 chains on 1 worker:  " << t1 << " s\n";
  if (!check(got))
    return 1;

  cluster.scale(4);
  std::cout << cluster << "\n";
  // Same keys: drop the old results first, or they would be reused.
  got.clear();
  client.sync();
  double t4 = seconds([&] { got = client.gather(client.compute(results)); });
  std::cout << "30 chains on 4 workers: " << t4 << " s (" << t1 / t4 << "x faster)\n";
  if (!check(got))
    return 1;
  return t4 < t1 ? 0 : 1;
}
