// The results a worker holds, shared by its actor (fetch, free, move) and its
// executor threads (read inputs, write results). Readers share the lock.
#pragma once

#include <cstdint>
#include <memory>
#include <shared_mutex>
#include <string>
#include <string_view>
#include <vector>

#include "common/flat_key_map.hpp"

namespace troupe::internal {

class worker_store {
public:
  /// Stores (or replaces) many results under one lock.
  void put(const std::vector<std::uint64_t>& keys, std::vector<std::string>& values) {
    std::unique_lock lock{mutex_};
    for (std::size_t i = 0; i < keys.size(); ++i)
      put_locked(keys[i], std::make_shared<const std::string>(std::move(values[i])));
  }

  void put(std::uint64_t key, std::string value) {
    std::unique_lock lock{mutex_};
    put_locked(key, std::make_shared<const std::string>(std::move(value)));
  }

  /// Stores bytes that another store of this process holds too (no copy).
  void put_shared(std::uint64_t key, std::shared_ptr<const std::string> value) {
    std::unique_lock lock{mutex_};
    put_locked(key, std::move(value));
  }

  /// Calls f(bytes) under the shared lock; false when the key is absent.
  template <class F>
  bool read(std::uint64_t key, F&& f) const {
    std::shared_lock lock{mutex_};
    auto slot = index_.find(key);
    if (slot == flat_key_map::npos)
      return false;
    f(std::string_view{*slots_[slot]});
    return true;
  }

  /// The bytes of `key`, kept alive by the returned pointer after the lock is
  /// released (tasks read big inputs in place, without copying); null when
  /// absent.
  std::shared_ptr<const std::string> share(std::uint64_t key) const {
    std::shared_lock lock{mutex_};
    auto slot = index_.find(key);
    return slot == flat_key_map::npos ? nullptr : slots_[slot];
  }

  bool contains(std::uint64_t key) const {
    std::shared_lock lock{mutex_};
    return index_.find(key) != flat_key_map::npos;
  }

  void erase(const std::vector<std::uint64_t>& keys) {
    std::unique_lock lock{mutex_};
    for (auto key : keys) {
      auto slot = index_.find(key);
      if (slot == flat_key_map::npos)
        continue;
      bytes_ -= slots_[slot]->size();
      slots_[slot].reset();
      free_.push_back(slot);
      index_.erase(key);
    }
  }

  std::size_t size() const {
    std::shared_lock lock{mutex_};
    return index_.size();
  }

  std::uint64_t bytes() const {
    std::shared_lock lock{mutex_};
    return bytes_;
  }

private:
  void put_locked(std::uint64_t key, std::shared_ptr<const std::string> value) {
    auto slot = index_.find(key);
    if (slot == flat_key_map::npos) {
      if (!free_.empty()) {
        slot = free_.back();
        free_.pop_back();
      } else {
        slot = static_cast<std::uint32_t>(slots_.size());
        slots_.emplace_back();
      }
      index_.insert(key, slot);
    } else {
      bytes_ -= slots_[slot]->size();
    }
    bytes_ += value->size();
    slots_[slot] = std::move(value);
  }

  mutable std::shared_mutex mutex_;
  flat_key_map index_;
  // Shared, so a running task can hold its inputs while the result is freed.
  std::vector<std::shared_ptr<const std::string>> slots_;
  std::vector<std::uint32_t> free_;
  std::uint64_t bytes_ = 0;
};

} // namespace troupe::internal
