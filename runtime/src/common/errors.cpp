#include "troupe/errors.hpp"

namespace troupe {

task_error::task_error(std::string task_name, std::string key, std::string exception_type,
                       std::string message)
  : error("task " + key + " (" + task_name + ") failed: " + exception_type + ": " + message),
    task_name_(std::move(task_name)), key_(std::move(key)),
    exception_type_(std::move(exception_type)), message_(std::move(message)) {}

cancelled_error::cancelled_error(const std::string& key)
  : error("troupe: " + key + " was cancelled") {}

} // namespace troupe
