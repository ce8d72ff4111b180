// Memory for the chunks a block program holds while it runs. Freed buffers
// stay with their thread, up to a bound, and are handed out again: faulting
// in fresh pages costs more than computing most chunks, and returning
// megabyte blocks to malloc makes its arenas grow (a process that computed
// a few hundred chunks kept hundreds of megabytes).
#pragma once

#include <cstddef>
#include <memory>

namespace troupe::internal::array {

/// At least `n` bytes, 64-byte aligned; big ones are 2 MiB aligned and backed
/// by huge pages where the kernel allows.
std::shared_ptr<char> chunk_buffer(std::size_t n);

/// Asks for huge pages for the 2 MiB-aligned part of [p, p + n).
void prefer_huge_pages(char* p, std::size_t n);

} // namespace troupe::internal::array
