// Uses the installed troupe: a delayed graph and a future on a local cluster.
#include <iostream>

#include <troupe/troupe.hpp>

int twice(int x) { return 2 * x; }
int add(int x, int y) { return x + y; }
TROUPE_TASK(twice, add);

int main() {
  troupe::local_cluster cluster{{.n_workers = 2}};
  troupe::client client{cluster};
  auto a = troupe::delay(twice)(20);
  auto b = troupe::delay(add)(a, 2);
  int v = client.compute(b).get();
  int w = client.submit(twice, 21).get();
  std::cout << "outside project: " << v << " " << w << "\n";
  return v == 42 && w == 42 ? 0 : 1;
}
