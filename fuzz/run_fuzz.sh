#!/usr/bin/env bash
# Runs fuzz_gguf for a while on a scratch corpus seeded from fuzz/corpus/gguf and, made at
# run time, the first 16 KB of a few shared models (never copied into the repository).
#
# usage: run_fuzz.sh FUZZER WORK_DIR SECONDS [extra libFuzzer flags...]
#   HERD_SHARED_DIR  the shared test files (default: ../shared next to the repository)
# Keeps WORK_DIR/corpus between runs (it grows); crashes land in WORK_DIR/artifacts/.
set -euo pipefail
if [[ $# -lt 3 ]]; then
  echo "usage: $0 FUZZER WORK_DIR SECONDS [libFuzzer flags...]" >&2
  exit 2
fi
fuzzer=$1 work=$2 seconds=$3
shift 3
here=$(cd "$(dirname "$0")" && pwd)
shared=${HERD_SHARED_DIR:-$here/../../shared}

mkdir -p "$work/corpus" "$work/artifacts"
cp "$here"/corpus/gguf/*.gguf "$work/corpus/"
for m in models/stories260K.gguf models/mmproj-tinygemma3.gguf \
         models/llama-2-tiny-random.gguf reference/logits/llama-tiny-Q4_K_M.gguf; do
  if [[ -f "$shared/$m" ]]; then
    head -c 16384 "$shared/$m" > "$work/corpus/header-$(basename "$m")"
  fi
done

exec "$fuzzer" -max_total_time="$seconds" -timeout=5 -rss_limit_mb=2048 \
  -dict="$here/gguf.dict" -artifact_prefix="$work/artifacts/" -print_final_stats=1 \
  "$@" "$work/corpus"
