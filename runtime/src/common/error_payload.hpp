// A task's failure travels as msgpack [task name, exception type, message].
#pragma once

#include <string>
#include <string_view>

#include "troupe/detail/future_state.hpp"

namespace troupe::internal {

std::string error_payload(std::string_view task, std::string_view type, std::string_view message);

/// Decodes a payload; a garbled one still yields a readable error_info.
detail::error_info parse_error_payload(std::string_view payload, std::string key);

/// Type name of the exception being handled, demangled ("std::runtime_error").
std::string current_exception_type();

std::string demangle(const char* mangled);

} // namespace troupe::internal
