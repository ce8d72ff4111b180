// Arguments and results through msgpack: round trips, what may travel, and
// clear errors for bytes that do not decode.
#include <gtest/gtest.h>

#include <map>
#include <optional>
#include <string>
#include <tuple>
#include <vector>

#include <troupe/troupe.hpp>

namespace {

struct point {
  double x = 0, y = 0;
  std::string label;
  std::vector<int> tags;
  bool operator==(const point&) const = default;
  MSGPACK_DEFINE(x, y, label, tags);
};

struct opaque {
  int secret;
};

template <class T>
T round_trip(const T& value) {
  return troupe::unpack<T>(troupe::pack(value));
}

} // namespace

static_assert(troupe::is_serializable_v<int>);
static_assert(troupe::is_serializable_v<std::string>);
static_assert(troupe::is_serializable_v<std::vector<std::map<std::string, double>>>);
static_assert(troupe::is_serializable_v<point>);
static_assert(troupe::is_serializable_v<std::tuple<int, point, std::optional<long>>>);
static_assert(!troupe::is_serializable_v<opaque>);
static_assert(!troupe::is_serializable_v<std::vector<opaque>>);
static_assert(!troupe::is_serializable_v<int*>);

TEST(serialization, built_in_types_round_trip) {
  EXPECT_EQ(round_trip(42), 42);
  EXPECT_EQ(round_trip(-7L), -7L);
  EXPECT_EQ(round_trip(std::uint64_t{1} << 63), std::uint64_t{1} << 63);
  EXPECT_DOUBLE_EQ(round_trip(3.25), 3.25);
  EXPECT_DOUBLE_EQ(round_trip(2.0), 2.0);  // packed as an integer, read back as double
  EXPECT_FLOAT_EQ(round_trip(1.5f), 1.5f);
  EXPECT_EQ(round_trip(true), true);
  EXPECT_EQ(round_trip(std::string{"héllo\0world", 12}), (std::string{"héllo\0world", 12}));
}

TEST(serialization, containers_round_trip) {
  std::vector<double> v{1.5, -2.25, 1e300};
  EXPECT_EQ(round_trip(v), v);
  std::map<std::string, std::vector<int>> m{{"a", {1, 2}}, {"b", {}}};
  EXPECT_EQ(round_trip(m), m);
  std::tuple<int, std::string, std::pair<long, bool>> t{1, "x", {2L, false}};
  EXPECT_EQ(round_trip(t), t);
  std::optional<int> some = 5, none;
  EXPECT_EQ(round_trip(some), some);
  EXPECT_EQ(round_trip(none), none);
  std::vector<char> bytes{'\0', '\xff', 'a'};
  EXPECT_EQ(round_trip(bytes), bytes);
}

TEST(serialization, user_structs_with_msgpack_define_round_trip) {
  point p{1.5, -2, "origin", {1, 2, 3}};
  EXPECT_EQ(round_trip(p), p);
  std::vector<point> ps{p, point{}, p};
  EXPECT_EQ(round_trip(ps), ps);
}

TEST(serialization, garbage_bytes_are_a_decode_error) {
  EXPECT_THROW(troupe::unpack<int>(std::string{"\xc1"}), troupe::decode_error);
  EXPECT_THROW(troupe::unpack<std::string>(std::string{"\xda\xff"}), troupe::decode_error);
  EXPECT_THROW(troupe::unpack<int>(troupe::pack(std::string{"text"})), troupe::decode_error);
  EXPECT_THROW(troupe::unpack<point>(troupe::pack(3)), troupe::decode_error);
}
