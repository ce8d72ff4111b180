// The options of one batch job that runs troupe workers. Names follow
// dask-jobqueue where it has the option, so its users find their way; the
// few without a dask-jobqueue counterpart say so. A plain struct: the
// plugin fills it from its options, validate() checks it, job_script()
// and the job_system functions read it.
#pragma once

#include <cstdint>
#include <map>
#include <string>
#include <vector>

namespace troupe::batch_plugin {

enum class job_system { slurm, sge, pbs, lsf, htcondor };

/// What a job runs: `processes` workers, or the cluster's scheduler (the
/// option scheduler_placement = "job").
enum class job_role { workers, scheduler };

struct job_spec {
  job_system system = job_system::slurm;

  std::int64_t cores = 1;      ///< CPU cores of the whole job
  std::uint64_t memory = 0;    ///< bytes of the whole job (required, > 0)
  std::int64_t processes = 1;  ///< workers per job; each gets cores/processes threads
  std::string queue;           ///< Slurm partition, SGE/PBS/LSF queue; HTCondor has none
  std::string account;         ///< Slurm account, SGE/LSF project, PBS account
  std::int64_t walltime = 0;   ///< seconds; 0 leaves the system's default
  std::string job_name = "troupe-worker";

  /// Directives added after the generated ones, each without its prefix
  /// ("--exclusive" becomes "#SBATCH --exclusive"); HTCondor: submit lines.
  std::vector<std::string> job_extra_directives;
  /// A generated directive line that contains any of these is left out.
  std::vector<std::string> job_directives_skip;
  std::vector<std::string> job_script_prologue;  ///< shell lines before the workers
  std::vector<std::string> job_script_epilogue;  ///< shell lines after they exit

  std::string local_directory;  ///< the workers' working directory (created)
  std::string log_directory;    ///< where the system writes the job's stdout/stderr

  /// argv of a troupe worker, e.g. {"/usr/bin/troupe", "worker"}.
  std::vector<std::string> worker_command;
  std::vector<std::string> worker_extra_args;
  std::int64_t death_timeout = 0;  ///< seconds; 0 leaves the worker's default
  /// The network interface (e.g. "ib0") whose address each worker serves
  /// its results on; "" lets the worker choose. The scheduler's address is
  /// chosen by the plugin (see batch_backend::scheduler_host).
  std::string interface;
  std::map<std::string, std::string> env;
  std::string scheduler_address;  ///< "tcp://host:port" (workers jobs)
  job_role role = job_role::workers;
  /// A scheduler job: worker_command is the scheduler's argv, which writes
  /// its address to this file (on a file system the submitting host sees).
  std::string scheduler_file;
  std::vector<std::string> submit_command_extra;  ///< arguments for sbatch/qsub/bsub/...

  // Not in dask-jobqueue:
  /// Seconds before the walltime at which workers retire gracefully
  /// (handing their results to others) so that the plugin can submit
  /// replacements: the worker gets --lifetime (walltime - margin) and
  /// --lifetime-stagger (margin / 5), as dask-jobqueue users pass by hand.
  /// 0: no retirement; -1 (the default): min(300, walltime / 10).
  std::int64_t walltime_margin = -1;
  /// SGE parallel environment (e.g. "smp"): with it the job asks for
  /// `cores` slots and memory is requested per slot; without it the job
  /// has one slot.
  std::string parallel_environment;
  /// The unit LSF reads -M in (lsf.conf LSF_UNIT_FOR_LIMITS): KB, MB, GB
  /// or TB. LSF's own default is KB; explicit suffixes need LSF 10.1.0.2.
  std::string lsf_units = "KB";
};

}  // namespace troupe::batch_plugin
