#!/usr/bin/env bash
# Installs the build tree into a scratch prefix, then configures, builds and
# runs an outside project that does find_package(troupe CONFIG).
set -euo pipefail
build=$1 work=$2 project=$3
rm -rf "$work"
cmake --install "$build" --prefix "$work/prefix" > "$work.install.log" 2>&1 || {
  cat "$work.install.log"; exit 1; }
gen=(); command -v ninja >/dev/null && gen=(-G Ninja)
cmake -S "$project" -B "$work/build" "${gen[@]}" -DCMAKE_PREFIX_PATH="$work/prefix" \
  -DCMAKE_BUILD_TYPE=Release
cmake --build "$work/build"
LD_LIBRARY_PATH="$work/prefix/lib:${LD_LIBRARY_PATH:-}" "$work/build/outside"
