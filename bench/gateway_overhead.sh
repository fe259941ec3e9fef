#!/usr/bin/env bash
# The gateway's cost per request, two ways, for docs/PERFORMANCE.md:
#  1. in process (bench_gateway_overhead): authenticate + model check + admit + settle
#     (one ledger row committed), p50 / p99 per kind of key, SQLite (and PostgreSQL when
#     PG_URI names a database);
#  2. seen by a client: many tiny requests (max_tokens 1, one at a time) against
#     `herd serve` on stories260K, without --auth and with --auth (a key with rpm, tpm and a
#     budget, SQLite ledger), the two taking turns ROUNDS times (the order flips every
#     round); medians over rounds of each round's p50 / p99 request time.
#
#   bench/gateway_overhead.sh [ROUNDS=5] [REQUESTS=400]
# Run it on an otherwise idle machine.
set -euo pipefail
rounds=${1:-5} requests=${2:-400}
root="$(cd "$(dirname "$0")/.." && pwd)"
herd=${HERD:-$root/build/bin/herd}
bench_load=${BENCH_LOAD:-$root/build/bench/bench_load}
overhead=${BENCH_OVERHEAD:-$root/build/bench/bench_gateway_overhead}
model=${MODEL:-$root/../shared/models/stories260K.gguf}
base_port=${PORT:-18281} starts=0
for b in "$herd" "$bench_load" "$overhead"; do [ -x "$b" ] || { echo "build $b first" >&2; exit 1; }; done
tmp=$(mktemp -d)
# shellcheck source=bench/server_turns.sh
. "$root/bench/server_turns.sh"
trap 'stop_server; rm -rf "$tmp"' EXIT

echo "== in process" >&2
"$overhead" --requests 20000 --threads 4
if [ -n "${PG_URI:-}" ]; then "$overhead" --db "$PG_URI" --requests 5000 --threads 4; fi

export HERD_HOME="$tmp/home"
key=$("$herd" keys create --name bench --rpm 100000000 --tpm 100000000000 --budget 1000000 --period month)
"$herd" prices set stories260K --input 0.15 --cached-input 0.075 --output 0.6 >/dev/null

start_server() {  # MODE LOG
  port=$((base_port + starts)) starts=$((starts + 1))
  local auth=()
  [ "$1" = auth ] && auth=(--auth)
  "$herd" serve -m "$model" --port "$port" -t 1 --parallel 4 --no-access-log "${auth[@]}" >"$2" 2>&1 &
  server_pid=$!
  wait_healthy "$1" "$2"
}

for i in $(seq 1 "$rounds"); do
  order="open auth"
  [ $((i % 2)) -eq 0 ] && order="auth open"
  for mode in $order; do
    echo "round $i/$rounds: $mode" >&2
    start_server "$mode" "$tmp/$mode.$i.log"
    HERD_API_KEY=$key "$bench_load" --url "http://127.0.0.1:$port" -c 1 -n "$requests" --warmup 20 \
      --max-tokens 1 --prompt "Once upon a time" --json >"$tmp/$mode.$i.json"
    stop_server
  done
done

python3 - "$tmp" "$rounds" <<'PY'
import json, statistics, sys
tmp, rounds = sys.argv[1], int(sys.argv[2])
def med(mode, pct):
    vals = []
    for i in range(1, rounds + 1):
        with open(f"{tmp}/{mode}.{i}.json") as f:
            r = json.load(f)
        if r["errors"]:
            print(f"warning: {mode} round {i}: {r['errors']} errors", file=sys.stderr)
        vals.append(r["request_ms"][pct])
    return statistics.median(vals), vals
print("| request time, 1 token, one at a time | without --auth | with --auth | difference |")
print("|---|---:|---:|---:|")
for pct in ("p50", "p99"):
    o, ov = med("open", pct)
    a, av = med("auth", pct)
    print(f"| {pct} ms (rounds: {', '.join(f'{v:.3f}' for v in ov)} / {', '.join(f'{v:.3f}' for v in av)}) "
          f"| {o:.3f} | {a:.3f} | {a - o:+.3f} |")
PY
