#include "troupe/local_cluster.hpp"

#include <iomanip>
#include <ostream>

#include "cluster/local_runtime.hpp"
#include "cluster/plugin_runtime.hpp"

namespace troupe {

namespace {

// processes = true: the same cluster, with worker processes started by the
// `local` plugin.
std::shared_ptr<internal::cluster_runtime> make_runtime(local_cluster_options& o) {
  if (!o.processes) {
    auto rt = std::make_shared<internal::local_runtime>(o);
    o = rt->options();  // n_workers = 0 resolved
    return rt;
  }
  cluster_options p{{"processes", true},
                    {"n_workers", static_cast<std::int64_t>(o.n_workers)},
                    {"threads_per_worker", static_cast<std::int64_t>(o.threads_per_worker)},
                    {"memory_limit", static_cast<std::int64_t>(o.memory_limit)},
                    {"name", o.name}};
  return std::make_shared<internal::plugin_runtime>("local", p, std::chrono::seconds(60),
                                                    o.dashboard_port);
}

} // namespace

local_cluster::local_cluster(local_cluster_options options)
  : options_(std::move(options)), runtime_(make_runtime(options_)) {
  // Like Dask's LocalCluster: return once the workers are connected.
  if (!options_.processes) {
    auto c = get_client();
    c.wait_for_workers(static_cast<std::size_t>(options_.n_workers), std::chrono::seconds(60));
  }
}

local_cluster::~local_cluster() {
  if (runtime_)
    runtime_->shutdown();
}

void local_cluster::scale(int n, std::chrono::nanoseconds timeout) { runtime_->scale(n, timeout); }

void local_cluster::adapt(const adapt_options& o) { runtime_->adapt(o); }

client local_cluster::get_client() { return client{*this}; }

cluster_info local_cluster::info() const { return runtime_->info(std::chrono::seconds(10)); }

std::string local_cluster::scheduler_address() const { return runtime_->address(); }

const local_cluster_options& local_cluster::options() const { return options_; }

internal::cluster_runtime& local_cluster::runtime() const { return *runtime_; }

std::shared_ptr<internal::cluster_runtime> local_cluster::runtime_handle() const {
  return runtime_;
}

std::ostream& operator<<(std::ostream& out, const local_cluster& cluster) {
  auto info = cluster.info();
  out << "local_cluster(" << cluster.options().name << ", scheduler=" << info.scheduler_address
      << ", workers=" << info.workers.size() << ", threads=" << info.total_threads()
      << ", memory=" << gib_text(info.total_memory_limit()) << " GiB)";
  if (!info.dashboard_link.empty())
    out << "\n  dashboard: " << info.dashboard_link;
  return out;
}

} // namespace troupe
