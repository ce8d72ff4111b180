// What is wrong with one setting's value. The reader that knows where the
// value came from (file position or environment variable) and which key it
// belongs to turns it into a config_error.
#pragma once

#include <stdexcept>

namespace troupe::internal {

class bad_value : public std::runtime_error {
public:
  using std::runtime_error::runtime_error;
};

} // namespace troupe::internal
