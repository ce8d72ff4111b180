// Task functions shared by the runtime tests, and gates that let a test
// decide when a task may finish (no sleeps: tasks wait on a condition).
#pragma once

#include <atomic>

#include <gtest/gtest.h>
#include <troupe/troupe.hpp>
#include <string>
#include <vector>

namespace test_tasks {

int square(int x);
int add(int x, int y);
double square_root(int x);
long inc(long x);
std::vector<long> make_vector(long n);        // 0, 1, ..., n-1 (big: not inline)
long sum_vector(std::vector<long> xs);
long fails_on_3(long x);                     // throws std::invalid_argument for 3
long inc_after(long x);                       // x + 1, as a dependent
int gated(int gate);                          // waits until open(gate); returns gate
long flaky(long x);                           // fails while flaky_failures > 0
long counted(long x);                         // counts calls, returns x
std::vector<long> counted_vector(long x);     // counts calls, returns 16 longs
int pid();                                    // getpid()
int throws_int(int x);                        // throws an int

extern std::atomic<int> flaky_failures;
extern std::atomic<int> flaky_calls;
extern std::atomic<int> counted_calls;

void open_gate(int gate);
void reset_gates();

/// A fresh cluster of 2 workers x 1 thread and a client, with gates closed.
class cluster_test : public ::testing::Test {
protected:
  void SetUp() override { reset_gates(); }
  troupe::local_cluster cluster{{.n_workers = 2, .threads_per_worker = 1}};
  troupe::client client{cluster};
};

} // namespace test_tasks
