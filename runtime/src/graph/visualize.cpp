// delayed::visualize: the graph as Graphviz DOT, rendered when `dot` exists.
#include <cstdlib>
#include <fstream>
#include <sstream>
#include <unordered_set>

#include "troupe/delayed.hpp"
#include "troupe/errors.hpp"

namespace troupe::detail {

namespace {

bool ends_with(const std::string& s, const std::string& suffix) {
  return s.size() >= suffix.size() && s.compare(s.size() - suffix.size(), suffix.size(), suffix) == 0;
}

std::string dot_of(const std::vector<node_ptr>& roots) {
  std::ostringstream dot;
  dot << "digraph troupe {\n  rankdir=BT;\n  node [shape=box, style=rounded];\n";
  std::unordered_set<const delayed_node*> seen;
  std::vector<const delayed_node*> stack;
  for (auto& r : roots)
    stack.push_back(r.get());
  while (!stack.empty()) {
    const delayed_node* n = stack.back();
    stack.pop_back();
    if (!seen.insert(n).second)
      continue;
    auto id = format_key(n->function, n->key);
    dot << "  \"" << id << "\" [label=\"" << n->function << "\"" 
        << (n->persisted ? ", style=\"rounded,filled\", fillcolor=lightgrey" : "") << "];\n";
    for (auto& c : n->nodes) {
      dot << "  \"" << format_key(c->function, c->key) << "\" -> \"" << id << "\";\n";
      stack.push_back(c.get());
    }
    for (auto& f : n->futures)
      dot << "  \"" << format_key(f->task_name, f->key) << "\" [shape=ellipse];\n  \""
          << format_key(f->task_name, f->key) << "\" -> \"" << id << "\";\n";
  }
  dot << "}\n";
  return dot.str();
}

bool have_dot() { return std::system("command -v dot >/dev/null 2>&1") == 0; }

} // namespace

std::string visualize(const std::vector<node_ptr>& roots, const std::string& path) {
  return write_graph(dot_of(roots), path);
}

std::string write_graph(const std::string& dot, const std::string& path) {
  std::string format = ends_with(path, ".svg") ? "svg" : ends_with(path, ".png") ? "png" : "";
  std::string dot_path = path;
  if (!format.empty())
    dot_path = path.substr(0, path.size() - 4) + ".dot";
  {
    std::ofstream out{dot_path};
    if (!out)
      throw error("troupe: visualize: cannot write " + dot_path);
    out << dot;
  }
  if (format.empty() || !have_dot())
    return dot_path;
  std::string cmd = "dot -T" + format + " '" + dot_path + "' -o '" + path + "' 2>/dev/null";
  if (path.find('\'') != std::string::npos || std::system(cmd.c_str()) != 0)
    return dot_path;
  std::remove(dot_path.c_str());
  return path;
}

} // namespace troupe::detail
