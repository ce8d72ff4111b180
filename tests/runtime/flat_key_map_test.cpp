// The open-addressing key map against std::unordered_map as a reference.
#include <gtest/gtest.h>

#include <random>
#include <unordered_map>

#include "common/flat_key_map.hpp"

using troupe::internal::flat_key_map;

TEST(flat_key_map, matches_unordered_map_under_random_inserts_and_erases) {
  flat_key_map m(4);
  std::unordered_map<std::uint64_t, std::uint32_t> ref;
  std::mt19937_64 rng{42};
  for (int i = 0; i < 200'000; ++i) {
    std::uint64_t key = rng() % 5000;  // small range: many collisions and re-inserts
    auto op = rng() % 3;
    if (op < 2) {
      auto value = static_cast<std::uint32_t>(rng() % 1000);
      m.insert(key, value);
      ref[key] = value;
    } else {
      EXPECT_EQ(m.erase(key), ref.erase(key) == 1);
    }
  }
  ASSERT_EQ(m.size(), ref.size());
  for (std::uint64_t key = 0; key < 5000; ++key) {
    auto it = ref.find(key);
    EXPECT_EQ(m.find(key), it == ref.end() ? flat_key_map::npos : it->second) << key;
  }
  std::size_t visited = 0;
  m.for_each([&](std::uint64_t key, std::uint32_t value) {
    ++visited;
    EXPECT_EQ(ref.at(key), value);
  });
  EXPECT_EQ(visited, ref.size());
}
