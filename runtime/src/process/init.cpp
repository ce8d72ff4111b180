#include "troupe/init.hpp"

#include <atomic>
#include <cstdlib>
#include <cstring>
#include <iostream>
#include <string>
#include <vector>

#include "process/cli.hpp"
#include "process/init_state.hpp"
#include "process/parse_args.hpp"

namespace troupe {

namespace {
std::atomic<bool> init_called{false};
}

bool internal::init_was_called() { return init_called.load(); }

bool is_worker_invocation(int argc, char** argv) {
  return argc >= 2
         && (std::strcmp(argv[1], worker_flag) == 0 || std::strcmp(argv[1], scheduler_flag) == 0);
}

void init(int argc, char** argv) {
  init_called.store(true);
  if (!is_worker_invocation(argc, argv))
    return;
  std::vector<std::string> args(argv + 2, argv + argc);
  int code = 1;
  try {
    code = std::strcmp(argv[1], worker_flag) == 0 ? internal::worker_main(args)
                                                  : internal::scheduler_main(args);
  } catch (const internal::usage_error& e) {
    std::cerr << e.what() << "\n";
    code = 2;
  } catch (const std::exception& e) {
    std::cerr << e.what() << "\n";
    code = 1;
  }
  // Static destructors of the host program still run; its main does not.
  std::exit(code);
}

} // namespace troupe
