#!/usr/bin/env bash
# Pull throughput of `herd pull` from a loopback registry (another herd's `herd serve`, which
# answers /v2/ from its store), with parallel ranges off ("single": one stream) and on ("partsN":
# N ranges at once), taking turns; the order flips every round. Next to it, in each round, the
# machine's limits: herd's sha256 over memory (bench_sha256_speed), `openssl dgst -sha256` over
# the model file (in the page cache) and the disk's write speed (dd, 1 GiB, fsync). Prints each
# round and the medians (MB = 10^6 bytes).
#
#   bench/store_pull.sh [MODEL.gguf=/tmp/tl.gguf] [ROUNDS=3]
#
# PARTS (default "4") lists the --parallel-parts counts to run besides "single". A missing MODEL
# is made with `herd synth --shape tinyllama-1.1b --type Q8_0` (~1.1 GB). The source file and
# the served blob stay in the page cache: the numbers are network + hash + disk, not a cold read.
# HERD overrides the binary; stores live under $TMPDIR (the disk measured by dd).
set -euo pipefail
root="$(cd "$(dirname "$0")/.." && pwd)"
model=${1:-/tmp/tl.gguf} rounds=${2:-3}
herd=${HERD:-$root/build/bin/herd}
sha_bench=${SHA_BENCH:-$root/build/bench/bench_sha256_speed}
parts=${PARTS:-4} port=${PORT:-18391}
[ -x "$sha_bench" ] || { echo "build bench_sha256_speed first (cmake --build build --target bench_sha256_speed)" >&2; exit 1; }
tmp=$(mktemp -d)
# shellcheck source=bench/server_turns.sh
. "$root/bench/server_turns.sh"
trap 'stop_server; rm -rf "$tmp"' EXIT

now() { date +%s.%N; }

if [ ! -f "$model" ]; then
  echo "making $model (herd synth)" >&2
  "$herd" synth --shape tinyllama-1.1b --type Q8_0 -o "$model" >&2
fi
model=$(realpath "$model")  # the Herdfile's FROM is read relative to the Herdfile
bytes=$(stat -c %s "$model")
echo "model: $model, $bytes bytes; load before: $(uptime | sed 's/.*load/load/')"

# The source store and its registry: a herd serving the model `big`.
printf 'FROM %s\n' "$model" >"$tmp/Herdfile"
HERD_HOME="$tmp/A" "$herd" create big -f "$tmp/Herdfile" >/dev/null
HERD_HOME="$tmp/A" "$herd" serve -m big --port "$port" -t 1 >"$tmp/serve.log" 2>&1 &
server_pid=$!
wait_healthy "herd serve (source store)" "$tmp/serve.log"

pull() {  # CONFIG -> seconds
  local opts=(--parallel-min-size 1000000000000)  # "single": no blob is big enough for parts
  case $1 in parts*) opts=(--parallel-min-size 1 --parallel-parts "${1#parts}") ;; esac
  rm -rf "$tmp/B"
  local t0 t1
  t0=$(now)
  HERD_HOME="$tmp/B" "$herd" pull -q "${opts[@]}" "http://127.0.0.1:$port/library/big:latest" >&2
  t1=$(now)
  echo "$t0 $t1" | awk '{print $2 - $1}'
}

limits() {  # ROUND: herd's sha256 GB/s, openssl's MB/s on the file, dd's write MB/s
  "$sha_bench" 512 3 | awk '{print $2 * 1000}' >"$tmp/sha_mem.$1"
  local t0 t1
  t0=$(now); openssl dgst -sha256 "$model" >/dev/null; t1=$(now)
  echo "$t0 $t1" | awk -v b="$bytes" '{print b / ($2 - $1) / 1e6}' >"$tmp/sha_file.$1"
  mkdir -p "$tmp/B"
  t0=$(now); dd if=/dev/zero of="$tmp/B/x" bs=1M count=1024 conv=fsync status=none; t1=$(now)
  echo "$t0 $t1" | awk '{print 1073741824 / ($2 - $1) / 1e6}' >"$tmp/disk.$1"
  rm -f "$tmp/B/x"
}

cat "$model" >/dev/null  # page cache
configs="single"
for n in $parts; do configs="$configs parts$n"; done
for i in $(seq 1 "$rounds"); do
  order="$configs limits"
  [ $((i % 2)) -eq 0 ] && order=$(echo "$order" | tr ' ' '\n' | tac | tr '\n' ' ')
  for c in $order; do
    echo "round $i/$rounds: $c" >&2
    if [ "$c" = limits ]; then limits "$i"; else
      pull "$c" | awk -v b="$bytes" '{print b / $1 / 1e6}' >"$tmp/$c.$i"
    fi
  done
done

row() {  # NAME FILE-PREFIX: median (each round)
  echo "| $1 | $(for i in $(seq 1 "$rounds"); do cat "$tmp/$2.$i"; done | median_rounds) |"
}
echo "| measure | MB/s, median (rounds) |"
echo "|---|---:|"
for c in $configs; do row "herd pull, $c" "$c"; done
row "herd sha256 over memory (Sha256, 1 MiB updates)" sha_mem
row "openssl dgst -sha256 on the file (page cache)" sha_file
row "disk write (dd 1 GiB, conv=fsync)" disk
echo "load after: $(uptime | sed 's/.*load/load/')"
