#!/usr/bin/env bash
# The API test suite: the official `openai` npm client against a live `herd serve` on
# stories260K, one server per test file (node's built-in test runner).
#
#   tests/api/run.sh [NODE_TEST_ARGS...] [FILES...]
#   e.g. tests/api/run.sh --test-name-pattern=stop, or tests/api/run.sh test/drain.test.js
#   (FILES relative to tests/api; all of test/*.test.js when none is named)
#
#   HERD_BIN    herd binary (default build/bin/herd)
#   HERD_MODEL  GGUF to serve (default ../shared/models/stories260K.gguf)
#   HERD_ARGS   extra `herd serve` arguments (default "--parallel 16")
# Needs node >= 18 and npm (installs the pinned client with `npm ci`). Exits non-zero
# when a test fails.
set -euo pipefail
root="$(cd "$(dirname "$0")/../.." && pwd)"
HERD_BIN="$(realpath "${HERD_BIN:-$root/build/bin/herd}")"
[ -x "$HERD_BIN" ] || { echo "no herd binary at $HERD_BIN (build it, or set HERD_BIN)" >&2; exit 1; }
export HERD_BIN
if [ -n "${HERD_MODEL:-}" ]; then HERD_MODEL="$(realpath "$HERD_MODEL")"; export HERD_MODEL; fi

cd "$root/tests/api"
npm ci --no-audit --no-fund --loglevel=error
files=(test/*.test.js)
for arg in "$@"; do
  case $arg in -*) ;; *) files=() ;; esac
done
# One server at a time on a 2-core machine; node 18 (Debian 12's own) lacks the flag
# and runs the files one after another anyway when told nothing.
flags=(--test)
if [ "$(node -p 'process.versions.node.split(".")[0]')" -ge 20 ]; then
  flags+=(--test-concurrency=1 --test-timeout=300000)
fi
exec node "${flags[@]}" "$@" "${files[@]}"
