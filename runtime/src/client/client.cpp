// The public client API on top of client_core.
#include "troupe/client.hpp"

#include <mutex>
#include <ostream>

#include "client/client_core.hpp"
#include "cluster/local_runtime.hpp"
#include "net/node.hpp"
#include "troupe/config.hpp"
#include "common/flat_key_map.hpp"
#include "troupe/cluster.hpp"
#include "troupe/local_cluster.hpp"

namespace troupe {

namespace {

std::shared_ptr<internal::client_core> connect_to(
  const std::shared_ptr<internal::cluster_runtime>& rt) {
  if (!rt)
    throw connection_error("troupe: this cluster was moved from");
  auto core = std::make_shared<internal::client_core>(rt, rt->scheduler(), rt->address());
  core->connect(std::chrono::seconds(30));
  return core;
}

// The most recently connected client, as Dask's default client: what
// array::compute() without a client uses.
std::mutex default_mutex;
std::weak_ptr<internal::client_core> default_core;

void make_default(const std::shared_ptr<internal::client_core>& core) {
  std::lock_guard lock{default_mutex};
  default_core = core;
}

} // namespace

namespace detail {
std::shared_ptr<internal::client_core> default_client_core() {
  std::lock_guard lock{default_mutex};
  auto core = default_core.lock();
  if (!core)
    throw connection_error("troupe: no client is connected; create a troupe::client first "
                           "(the most recent one is the default) or pass one to compute()");
  return core;
}
} // namespace detail

client::client(local_cluster& cluster) : core_(connect_to(cluster.runtime_handle())) {
  make_default(core_);
}

client::client(cluster& cluster) : core_(connect_to(cluster.runtime_handle())) {
  make_default(core_);
}

client::client(const std::string& address, std::chrono::nanoseconds timeout) {
  check_task_registry();
  if (timeout <= std::chrono::nanoseconds::zero())
    timeout = current_config().client.connect_timeout;
  auto n = internal::node::shared();
  auto sched = n->connect(address, timeout, "client");
  core_ = std::make_shared<internal::client_core>(n, sched, address);
  core_->connect(timeout);
  make_default(core_);
}

client::~client() { close(); }
client::client(client&&) noexcept = default;
client& client::operator=(client&& other) noexcept {
  if (this != &other) {
    close();
    core_ = std::move(other.core_);
  }
  return *this;
}

void client::close() {
  if (core_)
    core_->close();
}

internal::client_core& client::core() const {
  if (!core_)
    throw connection_error("troupe: this client was moved from");
  return *core_;
}

void client::wait_for_workers(std::size_t n, std::chrono::nanoseconds timeout) {
  core().wait_for_workers(n, timeout);
}

cluster_info client::scheduler_info(std::chrono::nanoseconds timeout) const {
  return core().snapshot(timeout);
}

void client::sync(std::chrono::nanoseconds timeout) const { core().sync(timeout); }

std::string client::dashboard_link(std::chrono::nanoseconds timeout) const {
  return core().snapshot(timeout).dashboard_link;
}

troupe::performance_report client::performance_report(std::string filename) {
  return troupe::performance_report{*this, std::move(filename)};
}

std::ostream& operator<<(std::ostream& out, const client& c) {
  auto info = c.scheduler_info();
  return out << "client(scheduler=" << info.scheduler_address
             << ", workers=" << info.workers.size() << ", threads=" << info.total_threads()
             << ", memory=" << info.total_memory_limit() / (1024.0 * 1024 * 1024) << " GiB)";
}

namespace detail {

std::vector<state_ptr> submit_batch(internal::client_core& core, task_batch&& batch,
                                    const std::vector<task_key>& outputs,
                                    const std::vector<std::string>& output_names) {
  return core.submit(std::move(batch), outputs, output_names);
}

std::vector<state_ptr> compute_nodes(internal::client_core& core,
                                     const std::vector<node_ptr>& roots) {
  // Post-order walk (inputs before users), iterative: graphs can be deep.
  // This order is also the run priority: one branch finishes before the
  // next starts, so intermediate results are freed early (as dask.order).
  task_batch batch;
  internal::flat_key_map seen{1024};  // no allocation per node, unlike std::unordered_set
  auto first_visit = [&](task_key key) {
    if (seen.find(key) != internal::flat_key_map::npos)
      return false;
    seen.insert(key, 0);
    return true;
  };
  std::vector<std::pair<delayed_node*, std::size_t>> stack;
  for (auto& root : roots) {
    if (root->persisted || !first_visit(root->key))
      continue;
    stack.emplace_back(root.get(), 0);
    while (!stack.empty()) {
      auto& [node, next] = stack.back();
      if (next < node->nodes.size()) {
        delayed_node* child = node->nodes[next++].get();
        if (!child->persisted && first_visit(child->key))
          stack.emplace_back(child, 0);
        continue;
      }
      batch.args.append(node->args);
      batch.deps.insert(batch.deps.end(), node->dep_keys.begin(), node->dep_keys.end());
      batch.keys.push_back(node->key);
      batch.function.push_back(batch.function_index(node->function));
      batch.arg_end.push_back(batch.args.size());
      batch.dep_end.push_back(static_cast<std::uint32_t>(batch.deps.size()));
      batch.retries.push_back(static_cast<char>(node->retries));
      stack.pop_back();
    }
  }
  std::vector<task_key> outputs;
  std::vector<std::string> names;
  for (auto& root : roots) {
    outputs.push_back(root->key);
    names.push_back(root->function);
  }
  return core.submit(std::move(batch), outputs, names);
}

std::vector<std::pair<std::string, std::string>>
run_on_workers(internal::client_core& core, const std::string& function, std::string args,
               std::chrono::nanoseconds timeout) {
  return core.run_on_workers(function, std::move(args), timeout);
}

std::vector<state_ptr> scatter_values(internal::client_core& core,
                                      std::vector<std::string>&& packed) {
  return core.scatter(std::move(packed));
}

} // namespace detail
} // namespace troupe
