// Which BASP payloads CAF may decode in a troupe node. CAF 0.17 decodes a
// message by the type names it carries, and some of its built-in types throw
// while decoding bad bytes (a config_value or a stream message with an
// unknown variant index: "invalid type found"); the exception escapes CAF's
// BASP worker thread and ends the process. So before CAF sees a payload,
// net/basp_guard checks here that every element type is one troupe exchanges:
// its own messages, a few scalars and strings (the replies and contexts of
// requests), and errors whose context holds only the same. Nothing is
// decoded but node ids, the forwarding stack and the type names.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>

namespace troupe::internal::basp_payload {

// BASP operations (caf/io/basp/message_type.hpp) with a payload to check.
constexpr std::uint8_t direct_message = 2;
constexpr std::uint8_t routed_message = 3;
constexpr std::uint8_t monitor_message = 4;
constexpr std::uint8_t down_message = 5;

/// Whether `name` (CAF's portable type name) is a type troupe exchanges.
bool exchanged(std::string_view name);

/// Empty when CAF may decode `payload`, the payload of a BASP message of
/// `operation`; else why not. Never throws.
std::string check(std::uint8_t operation, std::string_view payload);

} // namespace troupe::internal::basp_payload
