// Failures reach the caller with what happened and where; the cluster lives on.
#include <gtest/gtest.h>

#include <troupe/troupe.hpp>

#include "test_tasks.hpp"

using namespace std::chrono_literals;
using namespace test_tasks;

namespace {

class errors_test : public test_tasks::cluster_test {};

} // namespace

TEST_F(errors_test, a_throwing_task_fails_its_future_with_name_key_type_and_message) {
  auto f = client.submit(fails_on_3, 3L);
  try {
    f.get(10s);
    FAIL() << "no exception";
  } catch (const troupe::task_error& e) {
    EXPECT_EQ(e.task_name(), "fails_on_3");
    EXPECT_EQ(e.key(), f.key());
    EXPECT_EQ(e.exception_type(), "std::invalid_argument");
    EXPECT_EQ(e.message(), "three is not allowed");
    EXPECT_NE(std::string{e.what()}.find("three is not allowed"), std::string::npos);
  }
  EXPECT_EQ(f.status(), troupe::future_status::error);
  EXPECT_EQ(client.submit(square, 2).get(10s), 4);  // the worker lives on
}

TEST_F(errors_test, dependents_of_a_failed_task_fail_with_the_same_error) {
  auto bad = client.submit(fails_on_3, 3L);
  auto next = client.submit(inc_after, bad);
  auto last = client.submit(inc_after, next);
  try {
    last.get(10s);
    FAIL() << "no exception";
  } catch (const troupe::task_error& e) {
    EXPECT_EQ(e.task_name(), "fails_on_3");
    EXPECT_EQ(e.message(), "three is not allowed");
    EXPECT_EQ(e.key(), last.key());
  }
  EXPECT_THROW(next.get(10s), troupe::task_error);
}

TEST_F(errors_test, submitting_on_a_failed_future_fails_at_once) {
  auto bad = client.submit(fails_on_3, 3L);
  EXPECT_THROW(bad.get(10s), troupe::task_error);
  auto late = client.submit(inc_after, bad);
  EXPECT_THROW(late.get(10s), troupe::task_error);
}

TEST_F(errors_test, a_failure_in_a_delayed_graph_reaches_compute) {
  auto r = troupe::delay(inc_after)(troupe::delay(fails_on_3)(3L));
  EXPECT_THROW(client.compute(r).get(10s), troupe::task_error);
}

TEST_F(errors_test, an_unknown_function_is_a_clear_error) {
  auto f = client.submit_named<int>("no_such_function", 1);
  try {
    f.get(10s);
    FAIL() << "no exception";
  } catch (const troupe::task_error& e) {
    EXPECT_EQ(e.exception_type(), "troupe::unknown_task");
    EXPECT_NE(e.message().find("no_such_function"), std::string::npos) << e.message();
  }
}

TEST_F(errors_test, a_wrong_number_of_arguments_is_a_clear_error) {
  auto f = client.submit_named<int>("square", 1, 2);
  try {
    f.get(10s);
    FAIL() << "no exception";
  } catch (const troupe::task_error& e) {
    EXPECT_EQ(e.exception_type(), "troupe::decode_error");
    EXPECT_NE(e.message().find("takes 1 argument but was called with 2"), std::string::npos)
      << e.message();
  }
}

TEST_F(errors_test, an_undecodable_argument_is_a_clear_error) {
  auto f = client.submit_named<int>("square", std::string{"abc"});
  try {
    f.get(10s);
    FAIL() << "no exception";
  } catch (const troupe::task_error& e) {
    EXPECT_NE(e.message().find("argument 1 cannot be decoded as int"), std::string::npos)
      << e.message();
  }
  EXPECT_EQ(client.submit_named<int>("square", 9).get(10s), 81);
}

TEST_F(errors_test, a_result_of_the_wrong_type_is_a_decode_error) {
  auto f = client.submit_named<std::string>("square", 3);
  EXPECT_THROW(f.get(10s), troupe::decode_error);
}

TEST_F(errors_test, an_unregistered_function_is_refused_at_submit) {
  auto lambda_like = +[](int x) { return x; };
  EXPECT_THROW(client.submit(lambda_like, 1), troupe::config_error);
}

TEST_F(errors_test, a_task_throwing_a_non_standard_exception_is_reported) {
  auto f = client.submit(throws_int, 1);
  try {
    f.get(10s);
    FAIL() << "no exception";
  } catch (const troupe::task_error& e) {
    EXPECT_EQ(e.exception_type(), "int");
    EXPECT_EQ(e.message(), "a non-standard exception was thrown");
  }
}

TEST(errors, a_future_fails_when_its_cluster_goes_away) {
  auto cluster = std::make_unique<troupe::local_cluster>(
    troupe::local_cluster_options{.n_workers = 1});
  troupe::client client{*cluster};
  cluster->scale(0);
  auto f = client.submit(square, 3);  // no worker: stays queued
  cluster.reset();
  EXPECT_THROW(f.get(10s), troupe::connection_error);
}

TEST(errors, bad_cluster_options_are_refused) {
  EXPECT_THROW(troupe::local_cluster({.n_workers = -1}), troupe::config_error);
  EXPECT_THROW(troupe::local_cluster({.threads_per_worker = 0}), troupe::config_error);
}

TEST(errors, an_unknown_log_level_is_refused) {
  EXPECT_THROW(troupe::set_log_level("loud"), troupe::config_error);
  troupe::set_log_level("WARN");
  EXPECT_EQ(troupe::log_level(), "warning");
}
