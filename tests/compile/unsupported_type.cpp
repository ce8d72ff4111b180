// Must NOT compile: a struct without MSGPACK_DEFINE cannot be a task argument.
#include <troupe/troupe.hpp>

struct opaque {
  int secret;
};

int use(opaque o) { return o.secret; }
TROUPE_TASK(use);
