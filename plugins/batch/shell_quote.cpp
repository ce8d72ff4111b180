#include "shell_quote.hpp"

#include <stdexcept>

namespace troupe::batch_plugin {

namespace {

// Bare words stay readable in job_script(); this set has no character that
// bash expands, splits on or treats as an operator in any position ('=' is
// out: "A=b" in command position would be an assignment, not a program).
bool is_plain(char c) {
  return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9')
         || std::string_view{"_@%+:,./-"}.find(c) != std::string_view::npos;
}

}  // namespace

std::string shell_quote(std::string_view text) {
  if (text.find('\0') != std::string_view::npos)
    throw std::invalid_argument("batch: a value holds a NUL byte, which no shell word can carry");
  bool plain = !text.empty();
  for (char c : text)
    plain = plain && is_plain(c);
  if (plain)
    return std::string{text};
  std::string out = "'";
  for (char c : text) {
    if (c == '\'')
      out += "'\\''";
    else
      out += c;
  }
  out += '\'';
  return out;
}

}  // namespace troupe::batch_plugin
