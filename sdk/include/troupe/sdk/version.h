/* troupe plugin SDK: version of the C ABI (plugin.h).
 *
 * One integer. A version only ever adds things: fields and slots at the end
 * of size-checked structs, new constants. Anything incompatible would be a
 * new version that hosts and plugins agree on through
 * troupe_plugin_negotiate(). */
#ifndef TROUPE_SDK_VERSION_H
#define TROUPE_SDK_VERSION_H

/* The newest ABI version this SDK describes. */
#define TROUPE_SDK_VERSION 1

/* The oldest ABI version a current host still loads. */
#define TROUPE_SDK_MIN_VERSION 1

#endif
