#include "troupe/local_cluster.hpp"

#include <iomanip>
#include <ostream>

#include "cluster/local_runtime.hpp"

namespace troupe {

local_cluster::local_cluster(local_cluster_options options)
  : runtime_(std::make_shared<internal::local_runtime>(std::move(options))) {
  // Like Dask's LocalCluster: return once the workers are connected.
  auto c = get_client();
  c.wait_for_workers(static_cast<std::size_t>(runtime_->options().n_workers),
                     std::chrono::seconds(60));
}

local_cluster::~local_cluster() {
  if (runtime_)
    runtime_->shutdown();
}

void local_cluster::scale(int n, std::chrono::nanoseconds timeout) { runtime_->scale(n, timeout); }

client local_cluster::get_client() { return client{*this}; }

cluster_info local_cluster::info() const { return runtime_->info(std::chrono::seconds(10)); }

std::string local_cluster::scheduler_address() const { return runtime_->address(); }

const local_cluster_options& local_cluster::options() const { return runtime_->options(); }

internal::local_runtime& local_cluster::runtime() const { return *runtime_; }

std::shared_ptr<internal::local_runtime> local_cluster::runtime_handle() const { return runtime_; }

std::ostream& operator<<(std::ostream& out, const local_cluster& cluster) {
  auto info = cluster.info();
  out << "local_cluster(" << cluster.options().name << ", scheduler=" << info.scheduler_address
      << ", workers=" << info.workers.size() << ", threads=" << info.total_threads()
      << ", memory=" << std::fixed << std::setprecision(2)
      << info.total_memory_limit() / (1024.0 * 1024 * 1024) << " GiB)";
  return out;
}

} // namespace troupe
