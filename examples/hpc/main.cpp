// Flow F6 (dask-jobqueue): troupe workers as batch jobs of Slurm, Grid
// Engine, PBS, LSF or HTCondor, from a TOML file.
//
//   hpc CONFIG.toml [--profile NAME] [--workers N] [--dry-run]
//
// --dry-run prints the job script each worker job would run and submits
// nothing (it works on any machine). Otherwise: scale to N workers (2), run
// seed 000's array expression on a 4,000 x 4,000 array, check it against the
// same sums done here, print the cluster and close it (every job leaves the
// queue). The program must call troupe::init first: the jobs run it too.
#include <cstdlib>
#include <cstring>
#include <iostream>
#include <string>

#include <troupe/troupe.hpp>

int main(int argc, char** argv) {
  troupe::init(argc, argv);  // in a job: serves tasks as a worker, never returns
  std::string config, profile;
  int workers = 2;
  bool dry_run = false;
  for (int i = 1; i < argc; ++i) {
    std::string a = argv[i];
    if (a == "--profile" && i + 1 < argc)
      profile = argv[++i];
    else if (a == "--workers" && i + 1 < argc)
      workers = std::atoi(argv[++i]);
    else if (a == "--dry-run")
      dry_run = true;
    else if (config.empty() && a.rfind("--", 0) != 0)
      config = a;
    else {
      std::cerr << "usage: hpc CONFIG.toml [--profile NAME] [--workers N] [--dry-run]\n";
      return 2;
    }
  }
  if (config.empty() || workers < 1) {
    std::cerr << "usage: hpc CONFIG.toml [--profile NAME] [--workers N] [--dry-run]\n";
    return 2;
  }
  try {
    auto cluster = troupe::cluster::from_config(config, profile);
    std::cout << "---- job script ----\n" << cluster.job_script() << "--------------------\n";
    if (dry_run)
      return 0;
    cluster.scale(workers, std::chrono::minutes(10));  // pending jobs may wait a while
    std::cout << cluster << "\n";
    troupe::client client{cluster};
    constexpr long n = 4000;
    auto x = troupe::random::uniform({n, n}, {1000, 1000}, 0.0, 1.0, {.seed = 42});
    auto dense = x.compute(client);
    auto z = (x + x.T())["::2, 1000:"].mean(1).compute(client);
    for (long i = 0; i < n / 2; ++i) {
      double acc = 0;
      for (long j = 1000; j < n; ++j)
        acc += dense(2 * i, j) + dense(j, 2 * i);
      if (std::abs(z(i) - acc / (n - 1000)) > 1e-9) {
        std::cerr << "hpc: row " << i << " is " << z(i) << ", expected " << acc / (n - 1000)
                  << "\n";
        return 1;
      }
    }
    std::cout << "(x + x.T)[::2, 1000:].mean(axis=1): " << z.size() << " values, z[0] = " << z(0)
              << ", equal to the sums done here\n";
    client.close();
    cluster.close();
    std::cout << "closed: every job has left the queue\n";
  } catch (const troupe::error& e) {
    std::cerr << e.what() << "\n";
    return 1;
  }
  return 0;
}
