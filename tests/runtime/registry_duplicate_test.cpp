// Two translation units register different functions under one name: the
// registry reports both places at start-up, and no cluster starts.
#include <gtest/gtest.h>

#include <troupe/troupe.hpp>

namespace {
int twin(int x) { return x + 1; }
} // namespace

TROUPE_TASK(twin);

TEST(registry_duplicate, a_name_registered_twice_is_an_error_naming_both_places) {
  try {
    troupe::check_task_registry();
    FAIL() << "no exception";
  } catch (const troupe::config_error& e) {
    std::string what = e.what();
    EXPECT_NE(what.find("'twin'"), std::string::npos) << what;
    EXPECT_NE(what.find("registry_duplicate_test.cpp"), std::string::npos) << what;
    EXPECT_NE(what.find("registry_duplicate_other.cpp"), std::string::npos) << what;
  }
}

TEST(registry_duplicate, a_cluster_refuses_to_start) {
  EXPECT_THROW(troupe::local_cluster({.n_workers = 1}), troupe::config_error);
}
