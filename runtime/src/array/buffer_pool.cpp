#include "array/buffer_pool.hpp"

#include <sys/mman.h>

#include <algorithm>
#include <cstdint>
#include <cstdlib>
#include <new>
#include <vector>

namespace troupe::internal::array {

namespace {

constexpr std::size_t huge = std::size_t{2} << 20;
// Below this, malloc serves well (no page faults worth avoiding).
constexpr std::size_t pooled_from = 256 << 10;
// What one thread keeps for reuse: a few chunks of the usual sizes.
constexpr std::size_t kept_per_thread = 48u << 20;

struct mapping {
  char* p;
  std::size_t size;
};

char* map_aligned(std::size_t size) {
  // Over-map by 2 MiB and trim, so that the buffer starts on a huge page.
  std::size_t len = size + huge;
  void* raw = ::mmap(nullptr, len, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
  if (raw == MAP_FAILED)
    throw std::bad_alloc{};
  auto begin = reinterpret_cast<std::uintptr_t>(raw);
  auto aligned = (begin + huge - 1) & ~(huge - 1);
  if (aligned > begin)
    ::munmap(raw, aligned - begin);
  std::size_t tail = (begin + len) - (aligned + size);
  if (tail > 0)
    ::munmap(reinterpret_cast<void*>(aligned + size), tail);
  ::madvise(reinterpret_cast<void*>(aligned), size, MADV_HUGEPAGE);
  return reinterpret_cast<char*>(aligned);
}

class thread_pool {
public:
  ~thread_pool() {
    for (auto& m : free_)
      ::munmap(m.p, m.size);
  }

  mapping take(std::size_t size) {
    // The smallest kept buffer that fits and wastes at most half of itself.
    std::size_t best = free_.size();
    for (std::size_t i = 0; i < free_.size(); ++i)
      if (free_[i].size >= size && free_[i].size <= 2 * size
          && (best == free_.size() || free_[i].size < free_[best].size))
        best = i;
    if (best == free_.size())
      return {nullptr, 0};
    mapping m = free_[best];
    kept_ -= m.size;
    free_.erase(free_.begin() + static_cast<std::ptrdiff_t>(best));
    return m;
  }

  void give(char* p, std::size_t size) {
    if (kept_ + size > kept_per_thread) {
      ::munmap(p, size);
      return;
    }
    kept_ += size;
    free_.push_back({p, size});
  }

private:
  std::vector<mapping> free_;
  std::size_t kept_ = 0;
};

thread_pool& pool() {
  thread_local thread_pool p;
  return p;
}

} // namespace

void prefer_huge_pages(char* p, std::size_t n) {
  if (n < 2 * huge)
    return;
  auto begin = (reinterpret_cast<std::uintptr_t>(p) + huge - 1) & ~(huge - 1);
  auto end = (reinterpret_cast<std::uintptr_t>(p) + n) & ~(huge - 1);
  if (end > begin)
    ::madvise(reinterpret_cast<void*>(begin), end - begin, MADV_HUGEPAGE);
}

std::shared_ptr<char> chunk_buffer(std::size_t n) {
  if (n < pooled_from) {
    std::size_t size = std::max<std::size_t>(64, (n + 63) / 64 * 64);
    char* p = static_cast<char*>(std::aligned_alloc(64, size));
    if (!p)
      throw std::bad_alloc{};
    return std::shared_ptr<char>(p, [](char* q) { std::free(q); });
  }
  // Sizes in 64 KiB steps, so that chunks of nearly equal sizes share buffers.
  std::size_t size = (n + (64 << 10) - 1) / (64 << 10) * (64 << 10);
  mapping m = pool().take(size);
  if (!m.p)
    m = {map_aligned(size), size};
  return std::shared_ptr<char>(m.p, [size = m.size](char* q) { pool().give(q, size); });
}

} // namespace troupe::internal::array
