// A hash map from 64-bit task keys to 32-bit slots, open addressing with
// linear probing. Keys are already hashes, so they index the table as they
// are. No allocation per entry: a million tasks cost one array.
#pragma once

#include <cstdint>
#include <vector>

namespace troupe::internal {

class flat_key_map {
public:
  static constexpr std::uint32_t npos = UINT32_MAX;

  explicit flat_key_map(std::size_t capacity = 64) { rehash(round_up(capacity * 2)); }

  std::size_t size() const noexcept { return size_; }

  std::uint32_t find(std::uint64_t key) const noexcept {
    for (std::size_t i = slot(key);; i = (i + 1) & mask_) {
      const entry& e = table_[i];
      if (e.value == npos)
        return npos;
      if (e.key == key)
        return e.value;
    }
  }

  /// Inserts or overwrites.
  void insert(std::uint64_t key, std::uint32_t value) {
    if ((size_ + 1) * 4 > table_.size() * 3)
      rehash(table_.size() * 2);
    for (std::size_t i = slot(key);; i = (i + 1) & mask_) {
      entry& e = table_[i];
      if (e.value == npos) {
        e = {key, value};
        ++size_;
        return;
      }
      if (e.key == key) {
        e.value = value;
        return;
      }
    }
  }

  /// Removes `key` if present; shifts later entries back so probes stay short.
  bool erase(std::uint64_t key) noexcept {
    std::size_t i = slot(key);
    for (;; i = (i + 1) & mask_) {
      if (table_[i].value == npos)
        return false;
      if (table_[i].key == key)
        break;
    }
    std::size_t hole = i;
    for (std::size_t j = (hole + 1) & mask_; table_[j].value != npos; j = (j + 1) & mask_) {
      std::size_t home = slot(table_[j].key);
      // Move j into the hole unless its home lies cyclically in (hole, j].
      bool stays = hole <= j ? (hole < home && home <= j) : (hole < home || home <= j);
      if (!stays) {
        table_[hole] = table_[j];
        hole = j;
      }
    }
    table_[hole].value = npos;
    --size_;
    return true;
  }

  template <class F>
  void for_each(F&& f) const {
    for (auto& e : table_)
      if (e.value != npos)
        f(e.key, e.value);
  }

private:
  struct entry {
    std::uint64_t key = 0;
    std::uint32_t value = npos;
  };

  static std::size_t round_up(std::size_t n) {
    std::size_t p = 16;
    while (p < n)
      p <<= 1;
    return p;
  }

  std::size_t slot(std::uint64_t key) const noexcept {
    // Mix once more: random and pure keys are well spread, but user-made
    // keys in tests may not be.
    key ^= key >> 33;
    key *= 0xff51afd7ed558ccdULL;
    key ^= key >> 33;
    return static_cast<std::size_t>(key) & mask_;
  }

  void rehash(std::size_t n) {
    std::vector<entry> old;
    old.swap(table_);
    table_.assign(n, entry{});
    mask_ = n - 1;
    size_ = 0;
    for (auto& e : old)
      if (e.value != npos)
        insert(e.key, e.value);
  }

  std::vector<entry> table_;
  std::size_t mask_ = 0;
  std::size_t size_ = 0;
};

} // namespace troupe::internal
