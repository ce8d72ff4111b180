#!/usr/bin/env bash
# Runs the task library example as its README describes: a scheduler, a worker
# that loads the library, and the driver; checks the driver's answers.
set -euo pipefail
cli=$1 lib=$2 driver=$3
out=$(mktemp -d)
trap 'kill $(jobs -p) 2>/dev/null || true; rm -rf "$out"' EXIT
"$cli" scheduler --port 0 >"$out/scheduler.log" 2>&1 &
for _ in $(seq 200); do
  grep -q "troupe scheduler at" "$out/scheduler.log" && break
  read -r -t 0.05 <> <(:) || true   # wait 50 ms for the scheduler's first line
done
address=$(grep -o "tcp://[0-9.:]*" "$out/scheduler.log" | head -1)
[[ -n "$address" ]] || { echo "scheduler did not start"; cat "$out/scheduler.log"; exit 1; }
"$cli" worker "$address" --load "$lib" >"$out/worker.log" 2>&1 &
result=$(timeout 60 "$driver" "$address")
echo "$result"
grep -q "norm(\[3, 4, 12\]) = 13" <<<"$result"
grep -q "collatz steps for 1..10: 0 1 7 2 5 8 16 3 19 6" <<<"$result"
grep -q "collatz_steps needs n >= 1, got 0" <<<"$result"
