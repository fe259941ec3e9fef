#!/usr/bin/env bash
# Serving speed and memory of `herd serve` with each KV cache type (and, optionally, an
# older herd binary as "before"), taking turns: each round starts one configuration,
# measures it, stops it, then the next; the order flips every round. Medians over the
# rounds are printed as Markdown rows for docs/PERFORMANCE.md:
#   - decode: aggregate generation tokens/s and p50 inter-token latency, 16 streams
#   - prompt: 16 streams of unique ~PROMPT_TOKENS-token prompts at once; prompt tokens/s
#     is 16 x mean prompt tokens / the slowest time to first token (its p99 of 16)
#   - peak RSS of the server (VmHWM) after both, and herd_kv_cache_bytes from /metrics
#
#   bench/compare_kv_cache.sh MODEL.gguf [ROUNDS=3] [THREADS=2]
#
# CONFIGS (default "f32 f16 q8_0") names the cache types; add "before" to run the binary
# $HERD_BEFORE (an older herd, whose cache is F32 and allocated at start) too, and
# "llama" to run $LLAMA_SERVER (-np 16 -c 32768, its default F16 cache). Every herd
# gets --parallel 16 --ctx-size 2048. HERD and BENCH_LOAD override the binaries.
# Run it on an otherwise idle machine.
set -euo pipefail
model=$1 rounds=${2:-3} threads=${3:-2}
root="$(cd "$(dirname "$0")/.." && pwd)"
herd=${HERD:-$root/build/bin/herd}
bench_load=${BENCH_LOAD:-$root/build/bench/bench_load}
configs=${CONFIGS:-f32 f16 q8_0}
decode_tokens=${DECODE_TOKENS:-32} prompt_tokens=${PROMPT_TOKENS:-256}
base_port=${PORT:-18281} starts=0
[ -x "$bench_load" ] || { echo "build bench_load first (cmake --build build --target bench_load)" >&2; exit 1; }
tmp=$(mktemp -d)
# shellcheck source=bench/server_turns.sh
. "$root/bench/server_turns.sh"
trap 'stop_server; rm -rf "$tmp"' EXIT

start_server() {  # CONFIG LOG
  port=$((base_port + starts)) starts=$((starts + 1))
  local common=(serve -m "$model" --parallel 16 --ctx-size 2048 -t "$threads" --port "$port")
  case $1 in
    before) "${HERD_BEFORE:?set HERD_BEFORE to the older herd binary}" "${common[@]}" >"$2" 2>&1 & ;;
    llama) "${LLAMA_SERVER:?set LLAMA_SERVER to a llama-server you built}" -m "$model" -np 16 -c 32768 -t "$threads" \
             --port "$port" --no-webui >"$2" 2>&1 & ;;
    *) "$herd" "${common[@]}" --cache-type-k "$1" --cache-type-v "$1" >"$2" 2>&1 & ;;
  esac
  server_pid=$!
  wait_healthy "$1" "$2"
}

measure() {  # CONFIG ROUND
  local out="$tmp/$1.$2" url="http://127.0.0.1:$port"
  "$bench_load" --url "$url" -c 16 -n 16 --max-tokens "$decode_tokens" --json >"$out.decode.json" || true
  "$bench_load" --url "$url" -c 16 -n 16 --shared-prefix-tokens "$prompt_tokens" --unique-prefix \
    --suffix-tokens 16 --max-tokens 2 --warmup 0 --json >"$out.prompt.json" || true
  awk '/VmHWM/ {print $2}' "/proc/$server_pid/status" >"$out.hwm_kib"
  curl -sf "$url/metrics" | awk '$1 == "herd_kv_cache_bytes" {print $2}' >"$out.kv_bytes" || true
}

for i in $(seq 1 "$rounds"); do
  order=$configs
  [ $((i % 2)) -eq 0 ] && order=$(echo "$configs" | tr ' ' '\n' | tac | tr '\n' ' ')
  for c in $order; do
    echo "round $i/$rounds: $c" >&2
    start_server "$c" "$tmp/$c.$i.log"
    measure "$c" "$i"
    stop_server
  done
done

python3 - "$tmp" "$rounds" "$configs" <<'PY'
import json, statistics, sys
tmp, rounds, configs = sys.argv[1], int(sys.argv[2]), sys.argv[3].split()

def value(c, i, what, pick):
    try:
        with open(f"{tmp}/{c}.{i}.{what}") as f:
            text = f.read()
        return pick(json.loads(text) if what.endswith(".json") else float(text))
    except (OSError, ValueError, KeyError, ZeroDivisionError, TypeError):
        return None

def med(c, what, pick):
    vals = [v for i in range(1, rounds + 1) if (v := value(c, i, what, pick)) is not None]
    return (statistics.median(vals), vals) if vals else (float("nan"), [])

prompt_tps = lambda r: 16 * r["prompt_tokens_mean"] / (r["ttft_ms"]["p99"] / 1000.0)  # p99 of 16: the slowest
rows = [
    ("decode tok/s, 16 streams", "decode.json", lambda r: r["tokens_per_second"]["median"]),
    ("decode ITL p50 ms", "decode.json", lambda r: r["itl_ms"]["p50"]),
    ("prompt tok/s, 16 streams", "prompt.json", prompt_tps),
    ("peak RSS MiB", "hwm_kib", lambda v: v / 1024.0),
    ("herd_kv_cache_bytes MiB", "kv_bytes", lambda v: v / 1048576.0),
]
print("| measure | " + " | ".join(configs) + " |")
print("|---|" + "---:|" * len(configs))
for label, what, pick in rows:
    cells = []
    for c in configs:
        m, vals = med(c, what, pick)
        cells.append(f"{m:.1f} ({', '.join(f'{v:.1f}' for v in vals)})")
    print(f"| {label} | " + " | ".join(cells) + " |")
PY
