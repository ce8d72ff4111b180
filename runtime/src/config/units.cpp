#include "config/units.hpp"

#include <cctype>
#include <cmath>
#include <limits>
#include <optional>
#include <string>

#include "config/bad_value.hpp"
#include "troupe/config.hpp"
#include "troupe/errors.hpp"

namespace troupe::internal {

namespace {

// A number kept as whole part and decimal fraction, so that "4.35 kB" is
// exactly 4350 bytes (in a double it would be 4349.999...).
struct decimal {
  std::uint64_t whole = 0;
  std::uint64_t fraction = 0;       // the digits after the point, as an integer
  std::uint64_t fraction_scale = 1; // 10^(how many of those digits)
};

struct number_and_unit {
  decimal number;
  std::string_view unit;
};

struct unit {
  std::string_view name; // lower case: units are matched ignoring case
  std::uint64_t multiplier;
};

std::string_view trim(std::string_view s) {
  while (!s.empty() && std::isspace(static_cast<unsigned char>(s.front())))
    s.remove_prefix(1);
  while (!s.empty() && std::isspace(static_cast<unsigned char>(s.back())))
    s.remove_suffix(1);
  return s;
}

bool is_digit(char c) { return c >= '0' && c <= '9'; }

// Splits "1.5 GiB" into 1.5 and "GiB"; nullopt unless it starts with a
// number (so "-1 GB" and "GB" are refused here).
std::optional<number_and_unit> split(std::string_view text) {
  text = trim(text);
  decimal d;
  std::size_t i = 0;
  bool digits = false;
  for (; i < text.size() && is_digit(text[i]); ++i, digits = true)
    if (__builtin_mul_overflow(d.whole, 10u, &d.whole)
        || __builtin_add_overflow(d.whole, static_cast<unsigned>(text[i] - '0'), &d.whole))
      return std::nullopt;
  if (i < text.size() && text[i] == '.')
    for (++i; i < text.size() && is_digit(text[i]); ++i, digits = true)
      if (d.fraction_scale < 1'000'000'000'000'000'000u) { // finer digits cannot matter
        d.fraction = d.fraction * 10 + static_cast<unsigned>(text[i] - '0');
        d.fraction_scale *= 10;
      }
  if (!digits)
    return std::nullopt;
  return number_and_unit{d, trim(text.substr(i))};
}

// number * multiplier, rounded down; nullopt when it does not fit.
std::optional<std::uint64_t> scale(const decimal& d, std::uint64_t multiplier) {
  std::uint64_t whole = 0;
  std::uint64_t total = 0;
  if (__builtin_mul_overflow(d.whole, multiplier, &whole))
    return std::nullopt;
  // fraction < 10^18 and multiplier < 10^15: the product fits in 128 bits.
  auto part = static_cast<unsigned __int128>(d.fraction) * multiplier / d.fraction_scale;
  if (__builtin_add_overflow(whole, static_cast<std::uint64_t>(part), &total))
    return std::nullopt;
  return total;
}

std::optional<std::uint64_t> find_multiplier(std::string_view name, const auto& units) {
  std::string lower;
  for (char c : name)
    lower += static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  for (const unit& u : units)
    if (u.name == lower)
      return u.multiplier;
  return std::nullopt;
}

constexpr std::uint64_t kilo = 1000;
constexpr std::uint64_t kibi = 1024;

constexpr unit byte_units[] = {
  {"", 1},
  {"b", 1},
  {"kb", kilo},
  {"mb", kilo * kilo},
  {"gb", kilo * kilo * kilo},
  {"tb", kilo * kilo * kilo * kilo},
  {"kib", kibi},
  {"mib", kibi * kibi},
  {"gib", kibi * kibi * kibi},
  {"tib", kibi * kibi * kibi * kibi},
};

constexpr std::uint64_t us = 1000;
constexpr std::uint64_t ms = 1000 * us;
constexpr std::uint64_t sec = 1000 * ms;
constexpr std::uint64_t minute = 60 * sec;
constexpr std::uint64_t hour = 60 * minute;
constexpr std::uint64_t day = 24 * hour;

constexpr unit duration_units[] = {
  {"", sec}, // a bare number is seconds
  {"ns", 1},          {"nanosecond", 1},        {"nanoseconds", 1},
  {"us", us},         {"\xc2\xb5s", us},        {"microsecond", us},  {"microseconds", us},
  {"ms", ms},         {"millisecond", ms},      {"milliseconds", ms},
  {"s", sec},         {"sec", sec},             {"secs", sec},        {"second", sec},
  {"seconds", sec},   {"m", minute},            {"min", minute},      {"mins", minute},
  {"minute", minute}, {"minutes", minute},      {"h", hour},          {"hr", hour},
  {"hrs", hour},      {"hour", hour},           {"hours", hour},      {"d", day},
  {"day", day},       {"days", day},
};

std::string quoted(std::string_view text) { return "'" + std::string{text} + "'"; }

} // namespace

std::uint64_t bytes_from_text(std::string_view text) {
  auto parts = split(text);
  if (!parts)
    throw bad_value(quoted(text) + " is not a byte size: expected a number and a unit, "
                    "such as \"2 GiB\" or \"500 MB\"");
  auto multiplier = find_multiplier(parts->unit, byte_units);
  if (!multiplier)
    throw bad_value(quoted(text) + " is not a byte size: unknown unit " + quoted(parts->unit)
                    + " (use B, kB, MB, GB, TB, KiB, MiB, GiB or TiB)");
  auto bytes = scale(parts->number, *multiplier);
  if (!bytes)
    throw bad_value(quoted(text) + " is too large a byte size");
  return *bytes;
}

std::chrono::nanoseconds duration_from_text(std::string_view text) {
  auto parts = split(text);
  if (!parts)
    throw bad_value(quoted(text) + " is not a duration: expected a number and a unit, "
                    "such as \"30 s\" or \"100 ms\"");
  auto multiplier = find_multiplier(parts->unit, duration_units);
  if (!multiplier)
    throw bad_value(quoted(text) + " is not a duration: unknown unit " + quoted(parts->unit)
                    + " (use ns, us, ms, s, min, h or d, or words such as \"seconds\")");
  auto ns = scale(parts->number, *multiplier);
  if (!ns || *ns > static_cast<std::uint64_t>(std::numeric_limits<std::int64_t>::max()))
    throw bad_value(quoted(text) + " is too long a duration");
  return std::chrono::nanoseconds{static_cast<std::int64_t>(*ns)};
}

std::chrono::nanoseconds duration_from_seconds(double seconds) {
  if (!std::isfinite(seconds) || seconds < 0)
    throw bad_value("expected a non-negative number of seconds");
  // int64 nanoseconds reach about 292 years.
  if (seconds > 9.2e9)
    throw bad_value("too long a duration (at most 292 years)");
  return std::chrono::nanoseconds{std::llround(seconds * 1e9)};
}

} // namespace troupe::internal

namespace troupe {

std::uint64_t parse_bytes(std::string_view text) {
  try {
    return internal::bytes_from_text(text);
  } catch (const internal::bad_value& e) {
    throw config_error(std::string{"troupe: "} + e.what());
  }
}

std::chrono::nanoseconds parse_duration(std::string_view text) {
  try {
    return internal::duration_from_text(text);
  } catch (const internal::bad_value& e) {
    throw config_error(std::string{"troupe: "} + e.what());
  }
}

} // namespace troupe
