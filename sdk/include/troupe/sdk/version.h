/* troupe plugin SDK: version of the C ABI. The plugin interface itself
 * (function table, negotiation) arrives with the cluster plugins; this
 * header fixes the versioning scheme they will use. */
#ifndef TROUPE_SDK_VERSION_H
#define TROUPE_SDK_VERSION_H

#define TROUPE_SDK_VERSION_MAJOR 0
#define TROUPE_SDK_VERSION_MINOR 1

#endif
