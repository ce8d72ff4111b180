// The fuzzers' shared option: `--write-seeds=DIR` writes valid inputs to start
// from and exits (libFuzzer passes its command line to LLVMFuzzerInitialize).
#pragma once

#include <cstdlib>
#include <string>
#include <string_view>

/// Calls write(DIR) and exits when the command line has --write-seeds=DIR.
template <class Write>
void write_seeds_if_asked(int argc, char** argv, Write&& write) {
  constexpr std::string_view flag = "--write-seeds=";
  for (int i = 1; i < argc; ++i)
    if (std::string_view arg = argv[i]; arg.substr(0, flag.size()) == flag) {
      write(std::string{arg.substr(flag.size())});
      std::exit(0);
    }
}
