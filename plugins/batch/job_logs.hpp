// Where a job's stdout/stderr land, and their last lines: a job that
// failed before its workers connected is reported with what it printed.
#pragma once

#include <cstddef>
#include <string>
#include <vector>

#include "job_spec.hpp"

namespace troupe::batch_plugin {

/// The files the system writes for job `id` given the directives
/// job_script() wrote for spec.log_directory (empty when it is empty).
/// SGE and Torque name theirs NAME.oNUMBER / NAME.eNUMBER, with the id's
/// number only, so PBS ids are tried both with and without ".server".
std::vector<std::string> log_files(const job_spec& spec, const std::string& id);

/// The last `max_lines` lines (at most `max_bytes` bytes) of each file in
/// `paths` that exists and is not empty, each under a "==> PATH <==" line;
/// or a sentence saying which files were looked for and none was there.
std::string log_tail(const std::vector<std::string>& paths, std::size_t max_lines = 20,
                     std::size_t max_bytes = 4096);

}  // namespace troupe::batch_plugin
