#!/usr/bin/env bash
# Side-by-side speed of herd and llama.cpp on the same GGUF, same threads, same run:
# the two programs alternate, one repetition each, ROUNDS times; medians and the ratio
# herd / llama.cpp are printed as a Markdown row for docs/PERFORMANCE.md.
#
#   bench/compare_llamacpp.sh LLAMA_BENCH MODEL.gguf [ROUNDS=5] [THREADS=2] [P=512] [N=128]
#
# LLAMA_BENCH is a llama-bench binary you built yourself, outside this repository.
# Run it on an otherwise idle machine.
set -euo pipefail
llama_bench=$1 model=$2 rounds=${3:-5} threads=${4:-2} p=${5:-512} n=${6:-128}
herd="$(dirname "$0")/../build/bin/herd"
[ -x "$herd" ] || { echo "build herd first (scripts/build.sh)" >&2; exit 1; }
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT

for i in $(seq 1 "$rounds"); do
  echo "round $i/$rounds" >&2
  "$herd" bench -m "$model" -p "$p" -n "$n" -t "$threads" -r 1 --json 2>/dev/null > "$tmp/herd.$i.json"
  "$llama_bench" -m "$model" -p "$p" -n "$n" -t "$threads" -r 1 -o json 2>/dev/null > "$tmp/llama.$i.json"
done

python3 - "$tmp" "$rounds" "$p" "$n" "$model" "$threads" <<'PY'
import json, statistics, sys, os
tmp, rounds, p, n, model, threads = sys.argv[1], int(sys.argv[2]), sys.argv[3], sys.argv[4], sys.argv[5], sys.argv[6]
herd = {"pp": [], "tg": []}
llama = {"pp": [], "tg": []}
bandwidth, bytes_per_token = [], 0
for i in range(1, rounds + 1):
    report = json.load(open(f"{tmp}/herd.{i}.json"))
    if report.get("read_bandwidth_bytes_per_s"):
        bandwidth.append(report["read_bandwidth_bytes_per_s"])
    bytes_per_token = report.get("weight_bytes_per_token", 0)
    for t in report["tests"]:
        herd[t["name"][:2]].append(t["tokens_per_second"]["median"])
    for t in json.load(open(f"{tmp}/llama.{i}.json")):
        kind = "pp" if t["n_prompt"] > 0 else "tg"
        llama[kind].append(t["avg_ts"])
name = os.path.basename(model)
for kind, size in (("pp", p), ("tg", n)):
    h, l = statistics.median(herd[kind]), statistics.median(llama[kind])
    print(f"| {name} | {kind}{size} | -t {threads} | {h:.2f} | {l:.2f} | {h / l:.2f} |")
    if kind == "tg" and bandwidth and bytes_per_token:
        bw = statistics.median(bandwidth)
        print(f"tg{size} bandwidth bound: {bytes_per_token / 1e6:.1f} MB of weights per token, measured read "
              f"bandwidth {bw / 1e9:.2f} GB/s (median of {len(bandwidth)}): herd {100 * h * bytes_per_token / bw:.0f} %, "
              f"llama.cpp {100 * l * bytes_per_token / bw:.0f} % of the bound")
PY
