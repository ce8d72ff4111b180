// The plugin's two exported entry points and its option schema. The host
// checks each value's type against the schema before create(); the
// backend's constructor checks the rest (allowed values, ranges) and names
// the option in its error. Lists are text (the host has no list type): one
// item per line; argv options also take one line of space-separated words.
#include <troupe/sdk/plugin.hpp>

#include "batch_backend.hpp"

namespace sdk = troupe::sdk;

TROUPE_PLUGIN(
  troupe::batch_plugin::batch_backend, "batch",
  "Workers as HPC batch jobs: Slurm, SGE, PBS, LSF or HTCondor",
  sdk::required(sdk::string_option("system", nullptr,
                                   "the batch system: slurm, sge, pbs, lsf or htcondor")),
  sdk::required(sdk::int_option("cores", nullptr, "CPU cores of one job")),
  sdk::required(sdk::bytes_option("memory", nullptr, "memory of one job, e.g. \"16 GiB\"")),
  sdk::int_option("processes", "1", "workers per job; each gets cores/processes threads"),
  sdk::string_option("queue", "", "Slurm partition or SGE/PBS/LSF queue"),
  sdk::string_option("account", "", "account or project charged for the jobs"),
  sdk::string_option("walltime", "",
                     "job time limit: \"HH:MM:SS\", \"D-HH:MM:SS\" or \"90 min\"; \"\": the "
                     "system's default"),
  sdk::string_option("job_name", "troupe-worker", "job name; workers are JOBNAME-JOBID-INDEX"),
  sdk::string_option("job_extra_directives", "", "directives added to the header, one per line"),
  sdk::string_option("job_directives_skip", "",
                     "generated directive lines containing any of these (one per line) are "
                     "left out"),
  sdk::string_option("job_script_prologue", "", "shell lines run before the workers"),
  sdk::string_option("job_script_epilogue", "", "shell lines run after the workers exit"),
  sdk::string_option("local_directory", "", "the workers' working directory (created)"),
  sdk::string_option("log_directory", "",
                     "where jobs write stdout/stderr; \"\": ./troupe-batch-logs"),
  sdk::string_option("worker_command", "",
                     "the worker's argv; \"\": the host program's own worker command"),
  sdk::string_option("worker_extra_args", "", "arguments added to every worker's command"),
  sdk::duration_option("death_timeout", "0",
                       "a worker that lost its scheduler exits after this; 0: its default"),
  sdk::string_option("interface", "",
                     "network interface (e.g. ib0) whose address the scheduler and the workers "
                     "use; \"\": this machine's name"),
  sdk::string_option("scheduler_host", "",
                     "host name or address the scheduler listens on and jobs connect to "
                     "(overrides interface for the scheduler)"),
  sdk::string_option("scheduler_placement", "local",
                     "\"local\": the scheduler runs in the submitting process; \"job\": as a "
                     "batch job of its own"),
  sdk::string_option("scheduler_command", "",
                     "scheduler job's argv; \"\": the host program's own scheduler mode"),
  sdk::duration_option("scheduler_timeout", "5 min",
                       "how long to wait for the scheduler job to start and give its address"),
  sdk::duration_option("walltime_margin", nullptr,
                       "workers retire this long before the walltime and are replaced; 0: "
                       "never; default min(5 min, walltime / 10)"),
  sdk::string_option("env", "", "KEY=VALUE per line, exported in the job script"),
  sdk::string_option("submit_command_extra", "",
                     "arguments for sbatch/qsub/bsub/condor_submit before the script"),
  sdk::string_option("parallel_environment", "",
                     "SGE only: the parallel environment that grants `cores` slots"),
  sdk::string_option("lsf_units", "KB", "LSF only: the unit of -M (KB, MB, GB or TB)"),
  sdk::int_option("n_workers", "0", "workers to start with the cluster"),
  sdk::duration_option("poll_interval", "1 s", "how often job states are read"),
  sdk::duration_option("command_timeout", "60 s",
                       "a submit, status or cancel command running longer is killed"),
  sdk::duration_option("stop_timeout", "60 s",
                       "how long stopping waits for cancelled jobs to leave the queue"))
