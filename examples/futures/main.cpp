// Futures: submit many, gather, as_completed, errors, and a graph edge.
#include <iostream>
#include <numeric>
#include <stdexcept>
#include <vector>

#include <troupe/troupe.hpp>

long inc(long x) { return x + 1; }
long total(std::vector<long> xs) { return std::accumulate(xs.begin(), xs.end(), 0L); }
long fails(long x) {
  if (x == 3)
    throw std::invalid_argument("three is not allowed");
  return x;
}

TROUPE_TASK(inc, total, fails);

int main() {
  troupe::local_cluster cluster{{.n_workers = 2, .threads_per_worker = 1}};
  auto client = cluster.get_client();

  // map + gather: one batch out, results fetched in one message per worker.
  std::vector<long> xs(10'000);
  std::iota(xs.begin(), xs.end(), 0L);
  auto futures = client.map(inc, xs);
  auto results = client.gather(futures);
  std::cout << "gathered " << results.size() << " results, last = " << results.back() << "\n";

  // A future as an argument is an edge: the data stays on the workers.
  auto sum = client.submit(total, futures);
  std::cout << "sum of 1..10000 = " << sum.get() << "\n";

  // as_completed yields futures as they finish.
  std::vector<troupe::future<long>> some;
  for (long i = 0; i < 5; ++i)
    some.push_back(client.submit(fails, i));
  for (auto& f : troupe::as_completed(some)) {
    try {
      std::cout << f.key() << " -> " << f.get() << "\n";
    } catch (const troupe::task_error& e) {
      std::cout << f.key() << " failed: " << e.exception_type() << ": " << e.message() << "\n";
    }
  }
  return sum.get() == 50'005'000 ? 0 : 1;
}
