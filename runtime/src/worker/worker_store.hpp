// The results a worker holds, shared by its actor (fetch, free, move) and its
// executor threads (read inputs, write results). Readers share the lock.
//
// Small results live in their slot (no allocation beyond the string's own);
// big ones (array chunks) are shared: a running task pins its inputs and
// reads them in place after the lock is released, and workers of the same
// process hand each other the pointer instead of a copy.
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
  /// Results of at least this many bytes are held shared.
  static constexpr std::size_t shared_from = 4096;

  /// Stores (or replaces) many results under one lock.
  void put(const std::vector<std::uint64_t>& keys, std::vector<std::string>& values) {
    std::unique_lock lock{mutex_};
    for (std::size_t i = 0; i < keys.size(); ++i)
      put_locked(keys[i], std::move(values[i]));
  }

  void put(std::uint64_t key, std::string value) {
    std::unique_lock lock{mutex_};
    put_locked(key, std::move(value));
  }

  /// Stores bytes that another store of this process holds too (no copy).
  void put_shared(std::uint64_t key, std::shared_ptr<const std::string> value) {
    std::unique_lock lock{mutex_};
    auto& s = slot_for(key, value->size());
    s.shared = std::move(value);
  }

  /// Calls f(bytes) under the shared lock; false when the key is absent.
  template <class F>
  bool read(std::uint64_t key, F&& f) const {
    return visit(key, [&](std::string_view bytes, const auto&) { f(bytes); });
  }

  /// Calls f(bytes, shared) under the shared lock, `shared` being the owner
  /// of big bytes (null for small ones, which only live in the slot).
  template <class F>
  bool visit(std::uint64_t key, F&& f) const {
    std::shared_lock lock{mutex_};
    auto slot = index_.find(key);
    if (slot == flat_key_map::npos)
      return false;
    const auto& s = slots_[slot];
    f(s.shared ? std::string_view{*s.shared} : std::string_view{s.inline_bytes}, s.shared);
    return true;
  }

  /// The bytes of `key`, kept alive by the returned pointer after the lock is
  /// released (small ones copied); null when absent.
  std::shared_ptr<const std::string> share(std::uint64_t key) const {
    std::shared_lock lock{mutex_};
    auto slot = index_.find(key);
    if (slot == flat_key_map::npos)
      return nullptr;
    const auto& s = slots_[slot];
    return s.shared ? s.shared : std::make_shared<const std::string>(s.inline_bytes);
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
      bytes_ -= slots_[slot].size();
      slots_[slot] = entry{};
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
  struct entry {
    std::string inline_bytes;                   // small results
    std::shared_ptr<const std::string> shared;  // big ones
    std::size_t size() const { return shared ? shared->size() : inline_bytes.size(); }
  };

  void put_locked(std::uint64_t key, std::string&& value) {
    auto& s = slot_for(key, value.size());
    if (value.size() >= shared_from)
      s.shared = std::make_shared<const std::string>(std::move(value));
    else
      s.inline_bytes = std::move(value);
  }

  // The (emptied) slot for `key`, its bytes counted.
  entry& slot_for(std::uint64_t key, std::size_t size) {
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
      bytes_ -= slots_[slot].size();
      slots_[slot] = entry{};
    }
    bytes_ += size;
    return slots_[slot];
  }

  mutable std::shared_mutex mutex_;
  flat_key_map index_;
  std::vector<entry> slots_;
  std::vector<std::uint32_t> free_;
  std::uint64_t bytes_ = 0;
};

} // namespace troupe::internal
