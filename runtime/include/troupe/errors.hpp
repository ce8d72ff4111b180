// The exceptions a host application sees.
#pragma once

#include <stdexcept>
#include <string>

namespace troupe {

/// Base of every troupe exception.
class error : public std::runtime_error {
public:
  using std::runtime_error::runtime_error;
};

/// A task threw (or could not run). Carries what the worker saw.
class task_error : public error {
public:
  task_error(std::string task_name, std::string key, std::string exception_type,
             std::string message);

  /// The registered function name, e.g. "square".
  const std::string& task_name() const noexcept { return task_name_; }
  /// The task's key, e.g. "square-9f2c01d4a7e3b215".
  const std::string& key() const noexcept { return key_; }
  /// The C++ type of the exception the task threw, e.g. "std::invalid_argument".
  const std::string& exception_type() const noexcept { return exception_type_; }
  /// The exception's what().
  const std::string& message() const noexcept { return message_; }

private:
  std::string task_name_;
  std::string key_;
  std::string exception_type_;
  std::string message_;
};

/// The future was cancelled before it finished.
class cancelled_error : public error {
public:
  explicit cancelled_error(const std::string& key);
};

/// A wait ran out of time.
class timeout_error : public error {
public:
  using error::error;
};

/// Bytes could not be decoded as the expected type.
class decode_error : public error {
public:
  using error::error;
};

/// Bad configuration or a bad call (e.g. a duplicate task name).
class config_error : public error {
public:
  using error::error;
};

/// The client or cluster is closed or unreachable.
class connection_error : public error {
public:
  using error::error;
};

} // namespace troupe
