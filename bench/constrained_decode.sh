#!/usr/bin/env bash
# What a JSON-schema constraint costs at decode: aggregate tokens/s of 16 chat streams with and
# without response_format json_schema, on a 152k-vocabulary model, for herd and (optionally)
# llama-server on the same file. Each round starts the server, runs both loads (alternating
# which goes first), stops it; the order of the servers flips every round. Medians printed.
#
#   bench/constrained_decode.sh [MODEL.gguf=/tmp/qwen05.gguf] [ROUNDS=3] [THREADS=2]
#
# A missing MODEL is made with `herd synth --shape qwen2-0.5b --type Q4_0` (151,936 tokens).
# LLAMA_SERVER=path adds llama-server (-np 16 -c 16384); HERD and BENCH_LOAD override the
# binaries; MAX_TOKENS (default 64) per stream. The schema (below) never completes within
# MAX_TOKENS, so every stream generates the same number of tokens in both modes.
set -euo pipefail
root="$(cd "$(dirname "$0")/.." && pwd)"
model=${1:-/tmp/qwen05.gguf} rounds=${2:-3} threads=${3:-2}
herd=${HERD:-$root/build/bin/herd}
bench_load=${BENCH_LOAD:-$root/build/bench/bench_load}
max_tokens=${MAX_TOKENS:-64}
base_port=${PORT:-18451} starts=0
[ -x "$bench_load" ] || { echo "build bench_load first" >&2; exit 1; }
tmp=$(mktemp -d)
# shellcheck source=bench/server_turns.sh
. "$root/bench/server_turns.sh"
trap 'stop_server; rm -rf "$tmp"' EXIT

if [ ! -f "$model" ]; then
  echo "making $model (herd synth)" >&2
  "$herd" synth --shape qwen2-0.5b --type Q4_0 -o "$model" >&2
fi
cat >"$tmp/schema.json" <<'JSON'
{"type": "object",
 "properties": {
   "title": {"type": "string"},
   "items": {"type": "array", "items": {"type": "object",
     "properties": {"name": {"type": "string"}, "score": {"type": "number"}, "tags": {"type": "array", "items": {"type": "string"}}},
     "required": ["name", "score", "tags"], "additionalProperties": false}}},
 "required": ["title", "items"], "additionalProperties": false}
JSON

servers="herd"
[ -n "${LLAMA_SERVER:-}" ] && servers="herd llama"
start_server() {  # NAME LOG
  port=$((base_port + starts)) starts=$((starts + 1))
  case $1 in
    herd) "$herd" serve -m "$model" --parallel 16 --ctx-size 4096 -t "$threads" --port "$port" >"$2" 2>&1 & ;;
    llama) "$LLAMA_SERVER" -m "$model" -np 16 -c 16384 -t "$threads" --port "$port" --no-webui >"$2" 2>&1 & ;;
  esac
  server_pid=$!
  wait_healthy "$1" "$2"
}
load() {  # NAME ROUND MODE
  local args=(--url "http://127.0.0.1:$port" --chat -c 16 -n 16 --max-tokens "$max_tokens" --temperature 0.7 --json)
  [ "$3" = schema ] && args+=(--json-schema "$tmp/schema.json")
  # A failed request (llama-server's grammar can fail after an end with ignore_eos) is counted,
  # not fatal: the table reports errors next to the speed.
  "$bench_load" "${args[@]}" >"$tmp/$1.$2.$3.json" || true
}

for i in $(seq 1 "$rounds"); do
  order=$servers
  [ $((i % 2)) -eq 0 ] && order=$(echo "$servers" | tr ' ' '\n' | tac | tr '\n' ' ')
  for s in $order; do
    echo "round $i/$rounds: $s" >&2
    start_server "$s" "$tmp/$s.$i.log"
    "$bench_load" --url "http://127.0.0.1:$port" --chat -c 1 -n 1 --max-tokens 4 --json >/dev/null  # warm
    if [ $((i % 2)) -eq 1 ]; then load "$s" "$i" plain; load "$s" "$i" schema
    else load "$s" "$i" schema; load "$s" "$i" plain; fi
    stop_server
  done
done

python3 - "$tmp" "$rounds" "$servers" <<'PY'
import json, statistics, sys
tmp, rounds, servers = sys.argv[1], int(sys.argv[2]), sys.argv[3].split()
def field(s, i, mode, pick):
    try:
        with open(f"{tmp}/{s}.{i}.{mode}.json") as f:
            return pick(json.load(f))
    except (OSError, ValueError, KeyError):
        return None
tps = lambda s, i, mode: field(s, i, mode, lambda r: r["tokens_per_second"]["median"])
errors = lambda s, mode: sum(field(s, i, mode, lambda r: r["errors"]) or 0 for i in range(1, rounds + 1))
print("| server | decode tok/s, 16 streams, no constraint | with the JSON schema | ratio | failed requests (plain, schema) |")
print("|---|---:|---:|---:|---:|")
for s in servers:
    plain = [v for i in range(1, rounds + 1) if (v := tps(s, i, "plain")) is not None]
    schema = [v for i in range(1, rounds + 1) if (v := tps(s, i, "schema")) is not None]
    if not plain or not schema:
        print(f"| {s} | failed | failed | | |"); continue
    mp, ms = statistics.median(plain), statistics.median(schema)
    fmt = lambda vals: ", ".join(f"{v:.1f}" for v in vals)
    print(f"| {s} | {mp:.1f} ({fmt(plain)}) | {ms:.1f} ({fmt(schema)}) | {ms / mp:.3f} | {errors(s, 'plain')}, {errors(s, 'schema')} |")
PY
