// Quoting for POSIX shells: every user value that lands in a job script
// goes through here, so no option value can become shell code.
#pragma once

#include <string>
#include <string_view>

namespace troupe::batch_plugin {

/// `text` as one shell word with its exact bytes: left bare when it holds
/// only characters no shell treats specially, else in single quotes (a
/// quote inside becomes '\''). Throws std::invalid_argument on a NUL byte,
/// which no argument or variable can carry.
std::string shell_quote(std::string_view text);

}  // namespace troupe::batch_plugin
