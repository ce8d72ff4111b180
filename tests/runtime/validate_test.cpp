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

// Every message a receiver indexes in parallel or slices by offsets.
TEST(validate, messages_with_results_are_checked) {
  proto::scatter s{1, {7, 8}, {2, 4}, "abcd"};
  EXPECT_EQ(proto::check(s), "");
  s.data_end = {2, 5};
  EXPECT_EQ(proto::check(s), "scatter offsets run backwards or past the end");
  s.data_end = {3, 2};
  EXPECT_EQ(proto::check(s), "scatter offsets run backwards or past the end");
  s.data_end = {4};
  EXPECT_EQ(proto::check(s), "scatter arrays differ in length");

  proto::store_keys st{{7}, {4}, "abc"};
  EXPECT_NE(proto::check(st), "");
  proto::fetched f{{7}, {3}, "abc", {9}};
  EXPECT_EQ(proto::check(f), "");
  f.keys.push_back(8);
  EXPECT_EQ(proto::check(f), "fetched arrays differ in length");
  EXPECT_EQ(proto::check(proto::fetch_done{1, f, ""}), "fetched arrays differ in length");
}

TEST(validate, key_updates_are_checked) {
  proto::key_updates u{{1, 2}, {proto::key_status::memory, proto::key_status::erred}, {0, 1},
                       {0, 3}, "err"};
  EXPECT_EQ(proto::check(u), "");
  u.status[1] = static_cast<proto::key_status>(7);
  EXPECT_EQ(proto::check(u), "key update has an unknown status");
  u.status[1] = proto::key_status::erred;
  u.holder.pop_back();
  EXPECT_EQ(proto::check(u), "key update arrays differ in length");
}

TEST(validate, run_batches_are_checked) {
  proto::run_batch b{{"f"}, {1, 2}, {0, 1}, {0, 0}, {2, 4}, "\x91\x01\x91\x02", {0, 1}, {9}, {3}};
  EXPECT_EQ(proto::check(b), "");
  b.dep_holder.clear();
  EXPECT_EQ(proto::check(b), "run batch names a holder for 0 of 1 dependencies");
  b.dep_holder = {3};
  b.function[0] = 1;
  EXPECT_EQ(proto::check(b), "run batch names function 1 of 1");
  b.function[0] = 0;
  b.tickets.pop_back();
  EXPECT_EQ(proto::check(b), "run batch arrays differ in length");
}

TEST(validate, directories_snapshots_and_acquisitions_are_checked) {
  proto::worker_directory d{{0, 1}, {"a", "b"}, {caf::actor{}, caf::actor{}}, {}, {}};
  EXPECT_EQ(proto::check(d), "");  // no data addresses: an in-process cluster
  d.data_addresses = {"127.0.0.1:1"};
  EXPECT_EQ(proto::check(d), "worker directory arrays differ in length");

  proto::cluster_snapshot s{{0}, {"a"}, {1}, {0}, {0}, {0}, {0}, {0}, {""}, {0, 0, 0, 0, 0, 0}};
  EXPECT_EQ(proto::check(s), "");
  s.task_counts.pop_back();
  EXPECT_EQ(proto::check(s), "cluster snapshot has 5 task counts, not 6");
  s.task_counts.push_back(0);
  s.names.clear();
  EXPECT_EQ(proto::check(s), "cluster snapshot arrays differ in length");

  EXPECT_EQ(proto::check(proto::acquired{0, {1, 2}, {10, 20}}), "");
  EXPECT_EQ(proto::check(proto::acquired{0, {1, 2}, {10}}), "acquired arrays differ in length");
}
