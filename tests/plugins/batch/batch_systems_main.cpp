// main of batch_systems_test: its workers are batch jobs that run this very
// program, so troupe::init comes first.
#include <gtest/gtest.h>

#include <troupe/troupe.hpp>

int main(int argc, char** argv) {
  troupe::init(argc, argv);  // as a job's worker: serves tasks, never returns
  ::testing::InitGoogleTest(&argc, argv);
  return RUN_ALL_TESTS();
}
