// Whether main called troupe::init(): only then can this executable be
// started as a worker process.
#pragma once

namespace troupe::internal {

bool init_was_called();

} // namespace troupe::internal
