// TROUPE_TASK fills a name-keyed registry with a reverse map from address.
#include <gtest/gtest.h>

#include <algorithm>

#include <troupe/troupe.hpp>

namespace {
int triple(int x) { return 3 * x; }
std::string greet(const std::string& who, int times) {
  std::string s;
  for (int i = 0; i < times; ++i)
    s += "hello " + who + ";";
  return s;
}
void nothing(int) {}
int not_registered(int x) { return x; }
} // namespace

TROUPE_TASK(triple, greet, nothing);

TEST(registry, tasks_are_found_by_name_and_by_address) {
  auto names = troupe::registered_tasks();
  for (auto n : {"triple", "greet", "nothing"})
    EXPECT_NE(std::find(names.begin(), names.end(), n), names.end()) << n;
  auto* by_name = troupe::detail::find_task("greet");
  ASSERT_NE(by_name, nullptr);
  EXPECT_EQ(by_name->arity, 2u);
  EXPECT_EQ(&troupe::detail::task_of(greet), by_name);
  EXPECT_STREQ(troupe::detail::task_of(triple).name.c_str(), "triple");
  EXPECT_EQ(troupe::detail::find_task("nope"), nullptr);
  EXPECT_NO_THROW(troupe::check_task_registry());
}

TEST(registry, the_registration_site_is_recorded) {
  auto* e = troupe::detail::find_task("triple");
  ASSERT_NE(e, nullptr);
  EXPECT_NE(std::string{e->file}.find("registry_test.cpp"), std::string::npos);
  EXPECT_GT(e->line, 0);
}

TEST(registry, an_unregistered_function_is_refused_with_advice) {
  try {
    troupe::detail::task_of(not_registered);
    FAIL() << "no exception";
  } catch (const troupe::config_error& e) {
    EXPECT_NE(std::string{e.what()}.find("TROUPE_TASK"), std::string::npos);
  }
}

TEST(registry, invoking_decodes_arguments_and_packs_the_result) {
  auto* e = troupe::detail::find_task("greet");
  std::string args = troupe::pack(std::tuple<std::string, int>{"bob", 2});
  auto h = msgpack::unpack(args.data(), args.size());
  std::string out;
  e->invoke(h.get(), out);
  EXPECT_EQ(troupe::unpack<std::string>(out), "hello bob;hello bob;");

  auto* v = troupe::detail::find_task("nothing");
  std::string a2 = troupe::pack(std::tuple<int>{1});
  auto h2 = msgpack::unpack(a2.data(), a2.size());
  std::string out2;
  v->invoke(h2.get(), out2);
  EXPECT_EQ(out2, std::string(1, '\xc0'));  // msgpack nil for void
}
