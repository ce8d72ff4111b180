#include "troupe/cluster.hpp"

#include <iomanip>
#include <ostream>

#include "cluster/plugin_runtime.hpp"
#include "troupe/config.hpp"
#include "troupe/errors.hpp"

namespace troupe {

cluster::cluster(const std::string& plugin, cluster_options options,
                 std::chrono::nanoseconds timeout)
  : plugin_(plugin),
    runtime_(std::make_shared<internal::plugin_runtime>(plugin, options, timeout)) {}

cluster cluster::from_config(const std::string& path, const std::string& profile) {
  auto cfg = load_config(path);
  if (cfg.clusters.empty())
    throw config_error("troupe: " + path + " has no [cluster.NAME] profile");
  const cluster_profile* chosen = nullptr;
  std::string known;
  for (auto& [name, p] : cfg.clusters)
    known += (known.empty() ? "" : ", ") + name;
  if (profile.empty()) {
    if (cfg.clusters.size() > 1)
      throw config_error("troupe: " + path + " has several cluster profiles (" + known
                         + "): name one");
    chosen = &cfg.clusters.begin()->second;
  } else {
    auto it = cfg.clusters.find(profile);
    if (it == cfg.clusters.end())
      throw config_error("troupe: " + path + " has no profile [cluster." + profile
                         + "] (it has: " + known + ")");
    chosen = &it->second;
  }
  return cluster{chosen->plugin, chosen->options};
}

cluster::~cluster() { close(); }
cluster::cluster(cluster&&) noexcept = default;
cluster& cluster::operator=(cluster&& other) noexcept {
  if (this != &other) {
    close();
    plugin_ = std::move(other.plugin_);
    runtime_ = std::move(other.runtime_);
  }
  return *this;
}

void cluster::close() {
  if (runtime_)
    runtime_->shutdown();
}

void cluster::scale(int n, std::chrono::nanoseconds timeout) { runtime_->scale(n, timeout); }

void cluster::adapt(const adapt_options& o) { runtime_->adapt(o); }

client cluster::get_client() { return client{*this}; }

cluster_info cluster::info() const { return runtime_->info(std::chrono::seconds(10)); }

std::string cluster::scheduler_address() const { return runtime_->address(); }

cluster_status cluster::status() const { return runtime_->status(); }

std::string cluster::job_script() const { return runtime_->job_script(); }

std::size_t cluster_status::count(const std::string& state) const {
  std::size_t n = 0;
  for (auto& w : workers)
    n += w.state == state;
  return n;
}

std::ostream& operator<<(std::ostream& out, const cluster& c) {
  auto info = c.info();
  out << "cluster(" << c.plugin() << ", scheduler=" << info.scheduler_address
      << ", workers=" << info.workers.size() << ", threads=" << info.total_threads()
      << ", memory=" << gib_text(info.total_memory_limit()) << " GiB)";
  if (!info.dashboard_link.empty())
    out << "\n  dashboard: " << info.dashboard_link;
  // What the plugin sees beyond the scheduler: pending jobs, failures.
  auto st = c.status();
  if (!st.workers.empty()) {
    out << "\n  " << c.plugin() << " workers: requested " << st.requested;
    for (const char* s : {"starting", "running", "stopping", "exited", "failed"})
      if (auto n = st.count(s))
        out << ", " << s << " " << n;
  }
  return out;
}

} // namespace troupe
