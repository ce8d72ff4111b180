// Byte sizes and durations written with units, for settings.
#pragma once

#include <chrono>
#include <cstdint>
#include <string_view>

namespace troupe::internal {

/// As troupe::parse_bytes, but throws bad_value saying what is wrong.
std::uint64_t bytes_from_text(std::string_view text);

/// As troupe::parse_duration, but throws bad_value saying what is wrong.
std::chrono::nanoseconds duration_from_text(std::string_view text);

/// A number of seconds (from a TOML float or integer) as a duration;
/// throws bad_value when negative, not finite or too large.
std::chrono::nanoseconds duration_from_seconds(double seconds);

} // namespace troupe::internal
