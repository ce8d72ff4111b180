// Parses a subcommand's arguments with Boost.Program_options: --help prints
// the options; any mistake becomes one line naming the command.
#pragma once

#include <iostream>
#include <optional>
#include <string>
#include <vector>

#include <boost/program_options.hpp>

#include "net/socket.hpp"

namespace troupe::internal {

namespace po = boost::program_options;

/// The parsed values, or nullopt after printing help (exit 0). Throws
/// usage_error with a one-line message for unknown or malformed options.
struct usage_error : std::runtime_error {
  using std::runtime_error::runtime_error;
};

inline std::optional<po::variables_map>
parse_args(const std::string& command, const std::string& synopsis,
           const po::options_description& options, const std::vector<std::string>& args,
           const po::positional_options_description* positional = nullptr,
           const po::options_description* hidden = nullptr) {
  po::options_description all;
  all.add(options);
  if (hidden)
    all.add(*hidden);
  po::variables_map vm;
  try {
    auto parser = po::command_line_parser(args).options(all);
    if (positional)
      parser.positional(*positional);
    po::store(parser.run(), vm);
    if (vm.count("help")) {
      std::cout << "usage: troupe " << command << " " << synopsis << "\n\n" << options;
      return std::nullopt;
    }
    po::notify(vm);
  } catch (const po::error& e) {
    throw usage_error("troupe " + command + ": " + e.what() + " (see troupe " + command
                      + " --help)");
  }
  return vm;
}

/// Throws usage_error naming `command` when `address` is not tcp://host:port.
inline void check_address(const std::string& command, const std::string& address) {
  try {
    net::split_address(address);
  } catch (const std::exception& e) {
    std::string why = e.what();
    if (why.rfind("troupe: ", 0) == 0)
      why = why.substr(8);
    throw usage_error("troupe " + command + ": " + why);
  }
}

} // namespace troupe::internal
