// Malformed messages are recognised before anything indexes into them.
#include <gtest/gtest.h>

#include "protocol/validate.hpp"

using namespace troupe;
using namespace troupe::internal;

namespace {
detail::task_batch good_batch() {
  detail::task_batch b;  // two calls of f: f(1), f(2)
  b.functions = {"f"};
  b.keys = {1, 7};
  b.function = {0, 0};
  b.args = "\x91\x01\x91\x02";
  b.arg_end = {2, 4};
  b.dep_end = {0, 0};
  b.retries = {0, 0};
  return b;
}
} // namespace

TEST(validate, a_consistent_batch_passes) { EXPECT_EQ(proto::check(good_batch()), ""); }

TEST(validate, inconsistent_batches_are_refused_with_a_reason) {
  auto a = good_batch();
  a.retries.pop_back();
  EXPECT_EQ(proto::check(a), "task batch arrays differ in length");
  auto b = good_batch();
  b.function[1] = 5;
  EXPECT_NE(proto::check(b).find("names function 5 of 1"), std::string::npos);
  auto c = good_batch();
  c.arg_end[1] = 99;
  EXPECT_NE(proto::check(c).find("argument offsets"), std::string::npos);
  auto d = good_batch();
  d.dep_end[0] = 3;
  EXPECT_NE(proto::check(d).find("dependency offsets"), std::string::npos);
}

TEST(validate, inconsistent_completion_batches_are_refused) {
  proto::done_batch d;
  d.keys = {1};
  d.tickets = {0};
  d.outcomes = {proto::outcome::ok};
  d.nbytes = {1};
  d.duration_ns = {5};
  d.data_end = {0};
  EXPECT_EQ(proto::check(d), "");
  d.data_end = {4};
  EXPECT_NE(proto::check(d).find("result offsets"), std::string::npos);
  d.data_end = {0};
  d.outcomes = {static_cast<proto::outcome>(9)};
  EXPECT_EQ(proto::check(d), "completion batch has an unknown outcome");
  d.nbytes.clear();
  EXPECT_EQ(proto::check(d), "completion batch arrays differ in length");
}
