// The dashboard at work: a cluster whose scheduler serves the dashboard,
// and a graph with three task prefixes (inc, add, total) to watch in it.
//   dashboard                 prints the link, then reads commands on stdin:
//                             "go" runs the graph (again), "quit" stops
//   dashboard --processes     the same with worker processes (transfers show)
//   dashboard --port N        the dashboard's port (default: any free one)
// The browser test (tests/dashboard/browser_test.mjs) drives it through stdin.
#include <poll.h>
#include <unistd.h>

#include <chrono>
#include <cstring>
#include <iostream>
#include <string>
#include <thread>
#include <vector>

#include <troupe/troupe.hpp>

using namespace std::chrono_literals;
using values = std::vector<double>;

// 2,000 doubles (16 KB) per result, so worker memory is visible.
values inc(int i) {
  std::this_thread::sleep_for(2ms);
  return values(2000, i + 1.0);
}

values add(const values& a, const values& b) {
  std::this_thread::sleep_for(1ms);
  values out(a.size());
  for (std::size_t k = 0; k < a.size(); ++k)
    out[k] = a[k] + b[k];
  return out;
}

values total(const values& a, const values& b) { return add(a, b); }

TROUPE_TASK(inc, add, total);

namespace {

struct counts {
  int inc = 0, add = 0, total = 0;
  int all() const { return inc + add + total; }
};

// 100 incs, 50 adds of pairs, then a tree of totals down to one. Every
// future stays held, so every result stays in worker memory.
counts run_graph(troupe::client& client, std::vector<troupe::future<values>>& held) {
  counts n;
  std::vector<troupe::delayed<values>> all, level;
  for (int i = 0; i < 100; ++i, ++n.inc)
    all.push_back(troupe::delay(inc)(i));
  for (int i = 0; i < 100; i += 2, ++n.add)
    level.push_back(troupe::delay(add)(all[i], all[i + 1]));
  all.insert(all.end(), level.begin(), level.end());
  while (level.size() > 1) {
    std::vector<troupe::delayed<values>> next;
    for (std::size_t i = 0; i + 1 < level.size(); i += 2, ++n.total)
      next.push_back(troupe::delay(total)(level[i], level[i + 1]));
    if (level.size() % 2 == 1)
      next.push_back(level.back());
    all.insert(all.end(), next.begin(), next.end() - (level.size() % 2 == 1 ? 1 : 0));
    level = std::move(next);
  }
  held = client.compute(all);
  // 1 + 2 + ... + 100 in every element.
  auto result = held.back().get();
  if (result.size() != 2000 || result[0] != 5050.0)
    throw std::runtime_error("dashboard example: wrong total " + std::to_string(result[0]));
  troupe::wait(held);
  return n;
}

// A line from stdin, or "" after `timeout` or at end of input.
std::string read_line(std::chrono::seconds timeout) {
  pollfd p{STDIN_FILENO, POLLIN, 0};
  if (::poll(&p, 1, static_cast<int>(timeout.count() * 1000)) <= 0)
    return {};
  std::string line;
  if (!std::getline(std::cin, line))
    return {};
  return line;
}

} // namespace

int main(int argc, char** argv) {
  troupe::init(argc, argv);
  bool processes = false;
  int port = 0;
  for (int i = 1; i < argc; ++i) {
    if (std::strcmp(argv[i], "--processes") == 0)
      processes = true;
    else if (std::strcmp(argv[i], "--port") == 0 && i + 1 < argc)
      port = std::stoi(argv[++i]);
    else {
      std::cerr << "usage: dashboard [--processes] [--port N]\n";
      return 2;
    }
  }
  troupe::local_cluster cluster{{.n_workers = 2,
                                 .threads_per_worker = 2,
                                 .processes = processes,
                                 .dashboard_port = port}};
  troupe::client client{cluster};
  std::cout << "dashboard: " << client.dashboard_link() << std::endl;
  std::vector<troupe::future<values>> held;
  for (;;) {
    auto line = read_line(120s);
    if (line == "go") {
      auto n = run_graph(client, held);
      std::cout << "ran " << n.all() << " tasks\n"
                << "prefixes: inc=" << n.inc << " add=" << n.add << " total=" << n.total
                << std::endl;
    } else if (line == "quit") {
      return 0;
    } else if (line.empty()) {
      std::cerr << "dashboard example: no command within 120 s (or stdin closed); stopping\n";
      return std::cin.eof() ? 0 : 1;
    } else {
      std::cerr << "dashboard example: unknown command '" << line << "' (use go or quit)\n";
    }
  }
}
