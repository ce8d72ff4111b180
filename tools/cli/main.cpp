// troupe: run a scheduler, a worker, or ask a scheduler what it is doing.
//   troupe scheduler --port 8786
//   troupe worker tcp://127.0.0.1:8786 --nthreads 2 --load ./libmytasks.so
//   troupe info tcp://127.0.0.1:8786
#include "process/cli.hpp"

int main(int argc, char** argv) { return troupe::internal::cli_main(argc, argv); }
