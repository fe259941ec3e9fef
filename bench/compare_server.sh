#!/usr/bin/env bash
# Side-by-side serving speed of `herd serve` and llama-server on the same GGUF, same
# threads, same prompts: the two servers take turns (each round starts one, measures
# everything, stops it, then the other; the order flips every round). Medians over the
# rounds and the ratio herd / llama-server are printed as Markdown rows for
# docs/PERFORMANCE.md:
#   - aggregate generation tokens/s with 1, 4 and 16 concurrent streams
#     (MAX_TOKENS each, ignore_eos, REQS_PER_STREAM requests per stream)
#   - p50 / p99 inter-token latency with 16 streams
#   - time to first token for a 1,500-token shared prefix + 50 new tokens, prefix-cache
#     miss (every prefix differs) and hit (the prefix was sent before)
#
#   bench/compare_server.sh LLAMA_SERVER MODEL.gguf [ROUNDS=3] [THREADS=2]
#
# LLAMA_SERVER is a llama-server you built yourself, outside this repository. Both get
# 16 sequences of 2,048 tokens (llama-server -np 16 -c 32768; herd --parallel 16
# --ctx-size 2048). HERD and BENCH_LOAD override the binaries (default build/bin/herd,
# build/bench/bench_load); SERVERS="llama" (or "herd") runs one side only.
# Run it on an otherwise idle machine.
set -euo pipefail
llama_server=$1 model=$2 rounds=${3:-3} threads=${4:-2}
root="$(cd "$(dirname "$0")/.." && pwd)"
herd=${HERD:-$root/build/bin/herd}
bench_load=${BENCH_LOAD:-$root/build/bench/bench_load}
servers=${SERVERS:-herd llama}
max_tokens=${MAX_TOKENS:-128} reqs_per_stream=${REQS_PER_STREAM:-4}
base_port=${PORT:-18181} starts=0
[ -x "$bench_load" ] || { echo "build bench_load first (cmake --build build --target bench_load)" >&2; exit 1; }
case " $servers " in *" herd "*) [ -x "$herd" ] || { echo "build herd first (scripts/build.sh)" >&2; exit 1; } ;; esac
tmp=$(mktemp -d)
# shellcheck source=bench/server_turns.sh
. "$root/bench/server_turns.sh"
trap 'stop_server; rm -rf "$tmp"' EXIT

start_server() {  # NAME LOG
  # A fresh port for every start: the last server's port may still hold TIME_WAIT sockets.
  port=$((base_port + starts)) starts=$((starts + 1))
  case $1 in
    herd) "$herd" serve -m "$model" --parallel 16 --ctx-size 2048 -t "$threads" --port "$port" >"$2" 2>&1 & ;;
    llama) "$llama_server" -m "$model" -np 16 -c 32768 -t "$threads" --port "$port" --no-webui >"$2" 2>&1 & ;;
  esac
  server_pid=$!
  wait_healthy "$1" "$2"
}

measure() {  # NAME ROUND: every measurement against the running server, one JSON each
  local out="$tmp/$1.$2" url="http://127.0.0.1:$port"
  for c in 1 4 16; do
    "$bench_load" --url "$url" -c "$c" -n $((c * reqs_per_stream)) --max-tokens "$max_tokens" --json \
      >"$out.streams$c.json" || true
  done
  local prefix=(--url "$url" -c 1 -n 5 --shared-prefix-tokens 1500 --suffix-tokens 50 --max-tokens 8 --json)
  "$bench_load" "${prefix[@]}" --unique-prefix --warmup 0 >"$out.miss.json" || true
  "$bench_load" "${prefix[@]}" --warmup 1 >"$out.hit.json" || true
}

for i in $(seq 1 "$rounds"); do
  order=$servers
  [ $((i % 2)) -eq 0 ] && order=$(echo "$servers" | tr ' ' '\n' | tac | tr '\n' ' ')
  for name in $order; do
    echo "round $i/$rounds: $name" >&2
    start_server "$name" "$tmp/$name.$i.log"
    measure "$name" "$i"
    stop_server
  done
done

python3 - "$tmp" "$rounds" "$model" "$threads" "$servers" <<'PY'
import json, os, statistics, sys
tmp, rounds, model, threads, servers = sys.argv[1], int(sys.argv[2]), sys.argv[3], sys.argv[4], sys.argv[5].split()

def load(name, i, test):
    try:
        with open(f"{tmp}/{name}.{i}.{test}.json") as f:
            r = json.load(f)
    except (OSError, ValueError):
        print(f"warning: {name} round {i} {test}: no result", file=sys.stderr)
        return None
    if r["errors"]:
        print(f"warning: {name} round {i} {test}: {r['errors']} errors, e.g. {r['error_samples'][:1]}", file=sys.stderr)
    return r

def med(name, test, pick):
    vals = [pick(r) for i in range(1, rounds + 1) if (r := load(name, i, test)) is not None]
    return statistics.median(vals) if vals else float("nan")

rows = []
for c in (1, 4, 16):
    rows.append((f"gen tok/s, {c} stream{'s' if c > 1 else ''}", f"streams{c}", lambda r: r["tokens_per_second"]["median"]))
rows.append(("ITL p50 ms, 16 streams", "streams16", lambda r: r["itl_ms"]["p50"]))
rows.append(("ITL p99 ms, 16 streams", "streams16", lambda r: r["itl_ms"]["p99"]))
rows.append(("TTFT p50 ms, 1500+50 prefix, miss", "miss", lambda r: r["ttft_ms"]["p50"]))
rows.append(("TTFT p50 ms, 1500+50 prefix, hit", "hit", lambda r: r["ttft_ms"]["p50"]))

name = os.path.basename(model)
side = {s: {} for s in ("herd", "llama")}
print("| model | measure | -t | herd | llama-server | herd / llama-server |")
print("|---|---|---|---:|---:|---:|")
for label, test, pick in rows:
    for s in side:
        side[s][test + label] = med(s, test, pick) if s in servers else float("nan")
    h, l = side["herd"][test + label], side["llama"][test + label]
    ratio = h / l if l == l and h == h and l else float("nan")
    print(f"| {name} | {label} | {threads} | {h:.2f} | {l:.2f} | {ratio:.2f} |")
hit_miss = {}
for s in side:
    miss = side[s]["missTTFT p50 ms, 1500+50 prefix, miss"]
    hit = side[s]["hitTTFT p50 ms, 1500+50 prefix, hit"]
    hit_miss[s] = hit / miss if miss == miss and miss else float("nan")
print(f"| {name} | TTFT hit / miss | {threads} | {hit_miss['herd']:.3f} | {hit_miss['llama']:.3f} | |")
PY
