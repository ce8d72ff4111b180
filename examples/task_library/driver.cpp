// The driver for the task library in tasks.cpp: it does not link the
// library; it names the tasks, and workers that loaded the library run them.
//
//   build/bin/troupe scheduler --port 8786 &
//   build/bin/troupe worker tcp://127.0.0.1:8786 --load build/examples/libexample_tasks.so &
//   build/examples/task_library_driver tcp://127.0.0.1:8786
#include <iostream>

#include <troupe/troupe.hpp>

int main(int argc, char** argv) {
  if (argc != 2) {
    std::cerr << "usage: task_library_driver tcp://HOST:PORT\n";
    return 2;
  }
  troupe::client client{argv[1]};
  client.wait_for_workers(1, std::chrono::seconds(30));

  auto n = client.submit_named<double>("norm", std::vector<double>{3, 4, 12});
  std::cout << "norm([3, 4, 12]) = " << n.get() << "\n";  // 13

  std::vector<troupe::future<std::int64_t>> steps;
  for (std::int64_t i = 1; i <= 10; ++i)
    steps.push_back(client.submit_named<std::int64_t>("collatz_steps", i));
  std::cout << "collatz steps for 1..10:";
  for (auto s : client.gather(steps))
    std::cout << " " << s;
  std::cout << "\n";

  try {
    client.submit_named<std::int64_t>("collatz_steps", std::int64_t{0}).get();
  } catch (const troupe::task_error& e) {
    std::cout << "as expected: " << e.what() << "\n";
  }
  return 0;
}
