#!/usr/bin/env bash
# The batch plugin's figures against a private single-node Slurm (or Grid
# Engine): starts the test fixture in a directory of its own, runs
# troupe-batch-bench against it, stops the fixture.
#   tools/bench/batch_bench.sh [slurm|sge] [BUILD_DIR] [-- troupe-batch-bench options]
# Needs root (the fixture runs slurmctld/slurmd or sge_qmaster/sge_execd) and
# the packages tools/install-deps installs.
set -euo pipefail
here=$(cd "$(dirname "$0")/../.." && pwd)
system=${1:-slurm}
build=${2:-$here/build}
shift $(( $# < 2 ? $# : 2 ))
[ "${1:-}" = -- ] && shift
case $system in
  slurm) queue=debug ;;
  sge) queue=all.q ;;
  *) echo "usage: $0 [slurm|sge] [BUILD_DIR] [-- options]" >&2; exit 2 ;;
esac
bench=$build/tools/bench/troupe-batch-bench
[ -x "$bench" ] || { echo "batch_bench: $bench is missing: build first (make build)" >&2; exit 1; }
state=$(mktemp -d /tmp/troupe-batch-bench-XXXXXX)
stop() { "$here/tests/batch_systems/$system.sh" stop "$state" >/dev/null || true; rm -rf "$state"; }
trap stop EXIT
"$here/tests/batch_systems/$system.sh" start "$state" >/dev/null
. "$state/env"
"$bench" --system "$system" --queue "$queue" --log-directory "$state/logs" "$@"
