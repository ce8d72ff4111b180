// Stands in for `troupe worker` in the local plugin's tests. Writes what it
// was started with to $FAKE_WORKER_DIR/<name>.argv (atomically), tells the
// test through the FIFO $FAKE_WORKER_FIFO, then waits for a signal.
#include <csignal>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <fstream>
#include <string>

#include <dirent.h>
#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

int main(int argc, char** argv) {
  std::string name = "unnamed";
  for (int i = 1; i + 1 < argc; ++i)
    if (std::strcmp(argv[i], "--name") == 0)
      name = argv[i + 1];
  if (const char* ignore = std::getenv("FAKE_WORKER_IGNORE_TERM"); ignore && *ignore == '1')
    std::signal(SIGTERM, SIG_IGN);

  // Descriptors it inherited (the plugin must pass only 0, 1 and 2).
  std::string fds;
  if (DIR* d = ::opendir("/proc/self/fd")) {
    int own = ::dirfd(d);
    while (dirent* e = ::readdir(d)) {
      if (e->d_name[0] == '.' || std::atoi(e->d_name) == own)
        continue;
      fds += (fds.empty() ? "" : ",") + std::string{e->d_name};
    }
    ::closedir(d);
  }
  struct stat in {}, null {};
  bool stdin_null = ::fstat(0, &in) == 0 && ::stat("/dev/null", &null) == 0
                    && in.st_rdev == null.st_rdev && S_ISCHR(in.st_mode);

  const char* dir = std::getenv("FAKE_WORKER_DIR");
  if (!dir)
    return 2;
  std::string path = std::string{dir} + "/" + name + ".argv";
  {
    std::ofstream out{path + ".tmp"};
    out << "pid=" << ::getpid() << "\n";
    const char* tag = std::getenv("FAKE_WORKER_TAG");
    out << "tag=" << (tag ? tag : "") << "\n";
    out << "fds=" << fds << "\n";
    out << "stdin_null=" << stdin_null << "\n";
    for (int i = 0; i < argc; ++i)
      out << "argv=" << argv[i] << "\n";
  }
  std::rename((path + ".tmp").c_str(), path.c_str());

  if (const char* fifo = std::getenv("FAKE_WORKER_FIFO")) {
    int fd = ::open(fifo, O_WRONLY | O_CLOEXEC);
    if (fd >= 0) {
      std::string line = name + "\n";
      [[maybe_unused]] auto n = ::write(fd, line.data(), line.size());
      ::close(fd);
    }
  }
  for (;;)
    ::pause();
}
