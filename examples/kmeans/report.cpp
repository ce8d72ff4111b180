#include "report.hpp"

#include <cerrno>
#include <csignal>
#include <cstdio>
#include <fstream>
#include <sstream>
#include <stdexcept>

#include <fcntl.h>
#include <spawn.h>
#include <sys/wait.h>
#include <unistd.h>

extern char** environ;

namespace kmeans {

namespace {

// A gnuplot string literal: in single quotes only '' needs escaping.
std::string gnuplot_quoted(const std::string& text) {
  std::string out = "'";
  for (char ch : text) {
    if (ch == '\n' || ch == '\r')
      throw std::invalid_argument("a path with a line break cannot go into a gnuplot script");
    out += ch == '\'' ? "''" : std::string(1, ch);
  }
  return out + "'";
}

// The points and centres travel inline (datablocks, gnuplot 5), so the
// script names no input file.
std::string plot_script(const std::string& png, const std::string& title,
                        const troupe::ndarray<double>& points,
                        const troupe::ndarray<std::int64_t>& labels,
                        const troupe::ndarray<double>& centres) {
  std::ostringstream s;
  s << "set terminal png size 900,700\n"
    << "set output " << gnuplot_quoted(png) << "\n"
    << "set title " << gnuplot_quoted(title) << "\n"
    << "set key off\nset size ratio -1\n$points << EOD\n";
  for (std::int64_t i = 0; i < points.shape()[0]; ++i)
    s << points(i, 0) << ' ' << points(i, 1) << ' ' << labels(i) + 1 << '\n';
  s << "EOD\n$centres << EOD\n";
  for (std::int64_t j = 0; j < centres.shape()[0]; ++j)
    s << centres(j, 0) << ' ' << centres(j, 1) << '\n';
  s << "EOD\n"
    << "plot $points using 1:2:3 with points pt 7 ps 0.5 lc variable, \\\n"
    << "     $centres using 1:2 with points pt 2 ps 4 lw 3 lc rgb 'black'\n";
  return s.str();
}

bool write_all(int fd, const std::string& bytes) {
  std::size_t done = 0;
  while (done < bytes.size()) {
    ssize_t n = ::write(fd, bytes.data() + done, bytes.size() - done);
    if (n < 0 && errno == EINTR)
      continue;
    if (n <= 0)
      return false;
    done += static_cast<std::size_t>(n);
  }
  return true;
}

} // namespace

void write_labels_csv(const std::string& path, const troupe::ndarray<double>& points,
                      const troupe::ndarray<std::int64_t>& labels) {
  std::ofstream out{path};
  out << "x,y,label\n";
  out.precision(6);
  out << std::fixed;
  for (std::int64_t i = 0; i < points.shape()[0]; ++i)
    out << points(i, 0) << ',' << points(i, 1) << ',' << labels(i) << '\n';
  if (!out.flush())
    throw std::runtime_error("cannot write " + path);
}

plot_status plot_labels(const std::string& png, const std::string& title,
                        const troupe::ndarray<double>& points,
                        const troupe::ndarray<std::int64_t>& labels,
                        const troupe::ndarray<double>& centres) {
  std::string script = plot_script(png, title, points, labels, centres);
  int pipe_fds[2];
  if (::pipe2(pipe_fds, O_CLOEXEC) != 0)
    return plot_status::failed;
  posix_spawn_file_actions_t actions;
  posix_spawn_file_actions_init(&actions);
  posix_spawn_file_actions_adddup2(&actions, pipe_fds[0], STDIN_FILENO);
  char name[] = "gnuplot";
  char* args[] = {name, nullptr};
  pid_t pid = 0;
  int rc = ::posix_spawnp(&pid, name, &actions, nullptr, args, environ);
  posix_spawn_file_actions_destroy(&actions);
  ::close(pipe_fds[0]);
  if (rc != 0) {
    ::close(pipe_fds[1]);
    return rc == ENOENT ? plot_status::no_gnuplot : plot_status::failed;
  }
  // A gnuplot that exits early must not kill us with SIGPIPE.
  auto previous = std::signal(SIGPIPE, SIG_IGN);
  bool sent = write_all(pipe_fds[1], script);
  ::close(pipe_fds[1]);
  std::signal(SIGPIPE, previous);
  int status = 0;
  while (::waitpid(pid, &status, 0) < 0 && errno == EINTR) {
  }
  return sent && WIFEXITED(status) && WEXITSTATUS(status) == 0 ? plot_status::written
                                                               : plot_status::failed;
}

} // namespace kmeans
