#include "job_logs.hpp"

#include <fstream>

namespace troupe::batch_plugin {

std::vector<std::string> log_files(const job_spec& s, const std::string& id) {
  if (s.log_directory.empty())
    return {};
  // The same names the directives in job_script.cpp ask for.
  auto base = s.log_directory + "/" + s.job_name;
  switch (s.system) {
    case job_system::slurm:
    case job_system::lsf:
    case job_system::htcondor:
      return {base + "-" + id + ".out", base + "-" + id + ".err"};
    case job_system::sge:
      return {base + ".o" + id, base + ".e" + id};
    case job_system::pbs: {
      auto number = id.substr(0, id.find('.'));
      std::vector<std::string> files{base + ".o" + number, base + ".e" + number};
      if (number != id) {
        files.push_back(base + ".o" + id);
        files.push_back(base + ".e" + id);
      }
      return files;
    }
  }
  return {};
}

std::string log_tail(const std::vector<std::string>& paths, std::size_t max_lines,
                     std::size_t max_bytes) {
  std::string out;
  for (const auto& path : paths) {
    std::ifstream in{path, std::ios::binary | std::ios::ate};
    if (!in)
      continue;
    auto size = static_cast<std::size_t>(in.tellg());
    if (size == 0)
      continue;
    auto start = size > max_bytes ? size - max_bytes : 0;
    in.seekg(static_cast<std::streamoff>(start));
    std::string text(size - start, '\0');
    in.read(text.data(), static_cast<std::streamsize>(text.size()));
    text.resize(static_cast<std::size_t>(in.gcount()));
    std::vector<std::string> lines;
    std::size_t pos = 0;
    while (pos < text.size()) {
      auto nl = text.find('\n', pos);
      if (nl == std::string::npos)
        nl = text.size();
      lines.push_back(text.substr(pos, nl - pos));
      pos = nl + 1;
    }
    if (start > 0 && !lines.empty())
      lines.erase(lines.begin());  // cut in the middle by max_bytes
    auto first = lines.size() > max_lines ? lines.size() - max_lines : 0;
    text.clear();
    for (auto i = first; i < lines.size(); ++i)
      text += lines[i] + "\n";
    out += "==> " + path + " <==\n" + text;
  }
  if (!out.empty())
    return out;
  if (paths.empty())
    return "(no log_directory, so no log file to show)";
  std::string looked;
  for (const auto& p : paths)
    looked += (looked.empty() ? "" : ", ") + p;
  return "(no log output: " + looked + " missing or empty)";
}

}  // namespace troupe::batch_plugin
