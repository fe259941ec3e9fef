#!/usr/bin/env bash
# Time to first token for a model that is not loaded yet ("cold": the pool loads it on the
# request) vs one that is ("warm": the same request again), with `herd serve -m A -m B` and its
# model pool. Each round starts a fresh server, so every model's first request is cold; the
# order of the models flips every round. TTFT is bench_load's (one streaming request: from
# sending it to the first non-empty text chunk). The model files stay in the page cache between
# rounds (nothing drops it), so "cold" is a load from memory, not from the disk.
#
#   bench/model_cold_start.sh [ROUNDS=3] [MODEL.gguf...=../shared/models/stories260K.gguf /tmp/tl.gguf]
#
# HERD and BENCH_LOAD override the binaries; THREADS (default 2) is passed as -t.
set -euo pipefail
root="$(cd "$(dirname "$0")/.." && pwd)"
rounds=${1:-3}
shift || true
models=("$@")
[ ${#models[@]} -gt 0 ] || models=("$root/../shared/models/stories260K.gguf" /tmp/tl.gguf)
herd=${HERD:-$root/build/bin/herd}
bench_load=${BENCH_LOAD:-$root/build/bench/bench_load}
threads=${THREADS:-2} base_port=${PORT:-18491}
[ -x "$bench_load" ] || { echo "build bench_load first (cmake --build build --target bench_load)" >&2; exit 1; }
tmp=$(mktemp -d)
# shellcheck source=bench/server_turns.sh
. "$root/bench/server_turns.sh"
trap 'stop_server; rm -rf "$tmp"' EXIT

name_of() { basename "$1" .gguf; }  # the id herd serve gives a model file

ttft_ms() {  # MODEL-ID -> ms (empty when the request failed)
  "$bench_load" --url "http://127.0.0.1:$port" --model "$1" -c 1 -n 1 --warmup 0 --max-tokens 8 \
    --prompt "Once upon a time" --json 2>"$tmp/bench_load.err" | awk '/"ttft_ms"/ {f = 1} f && /"p50"/ {gsub(",", ""); print $2; exit}'
}

echo "load before: $(uptime | sed 's/.*load/load/')"
for m in "${models[@]}"; do cat "$m" >/dev/null; done  # page cache
serve_args=()
for m in "${models[@]}"; do serve_args+=(-m "$m"); done
for i in $(seq 1 "$rounds"); do
  port=$((base_port + i))
  "$herd" serve "${serve_args[@]}" -t "$threads" --port "$port" >"$tmp/serve.$i.log" 2>&1 &
  server_pid=$!
  wait_healthy "herd serve" "$tmp/serve.$i.log"
  order=$(printf '%s\n' "${models[@]}")
  [ $((i % 2)) -eq 0 ] && order=$(echo "$order" | tac)
  while read -r m; do
    id=$(name_of "$m")
    echo "round $i/$rounds: $id" >&2
    for state in cold warm; do
      ttft_ms "$id" >"$tmp/$id.$state.$i"
      [ -s "$tmp/$id.$state.$i" ] || { echo "request to $id failed:" >&2; cat "$tmp/bench_load.err" >&2; exit 1; }
    done
  done <<<"$order"
  stop_server
done

echo "| model | file MB | TTFT ms, not loaded (cold) | TTFT ms, loaded (warm) |"
echo "|---|---:|---:|---:|"
for m in "${models[@]}"; do
  id=$(name_of "$m")
  cells=()
  for state in cold warm; do
    cells+=("$(for i in $(seq 1 "$rounds"); do cat "$tmp/$id.$state.$i"; done | median_rounds)")
  done
  printf '| %s | %.1f | %s | %s |\n' "$id" "$(stat -c %s "$m" | awk '{print $1 / 1e6}')" "${cells[0]}" "${cells[1]}"
done
echo "load after: $(uptime | sed 's/.*load/load/')"
