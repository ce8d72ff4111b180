#!/usr/bin/env bash
# Compiles a file that must fail, and checks the compiler says why in words.
#   expect_error.sh COMPILER INCLUDE_DIR SOURCE "expected message"
set -uo pipefail
out=$("$1" -std=c++20 -fsyntax-only -I "$2" "$3" 2>&1)
status=$?
if [ $status -eq 0 ]; then echo "compiled, but it must not: $3"; exit 1; fi
if ! grep -qF "$4" <<<"$out"; then echo "error does not say: $4"; echo "$out" | head -20; exit 1; fi
echo "refused as expected: $4"
