#!/usr/bin/env bash
# Wall time and CPU time (perf stat task-clock of the server) of the decode and prompt phases
# of bench/compare_kv_cache.sh's load, for one herd binary: on a noisy machine CPU time says
# whether a binary does more work, where wall time swings with the neighbours.
#
#   bench/cpu_time_ab.sh HERD_BINARY NAME PORT [extra herd serve args...]
#
# MODEL (default /tmp/tl.gguf) is served with --parallel 16 --ctx-size 2048 -t 2. Run two
# binaries in turns, flipping the order, and compare medians. Needs perf.
set -e
bin=$1 name=$2 port=$3; shift 3
$bin serve -m "${MODEL:-/tmp/tl.gguf}" --parallel 16 --ctx-size 2048 -t 2 --port $port "$@" > "${TMPDIR:-/tmp}"/cpuab_$name.log 2>&1 &
pid=$!
for i in $(seq 100); do curl -sf http://127.0.0.1:$port/health >/dev/null && break; sleep 0.5; done
phase() {  # LABEL bench_load args...
  local label=$1; shift
  perf stat -e task-clock,instructions -p $pid -o "${TMPDIR:-/tmp}"/cpuab_$name.$label.stat 2>/dev/null &
  local ppid=$!
  sleep 0.3
  local t0=$(date +%s.%N)
  "${BENCH_LOAD:-$(dirname "$0")/../build/bench/bench_load}" --url http://127.0.0.1:$port "$@" --json > "${TMPDIR:-/tmp}"/cpuab_$name.$label.json 2>/dev/null
  local t1=$(date +%s.%N)
  kill -INT $ppid; wait $ppid || true
  local ms=$(awk '/task-clock/ {gsub(",","",$1); print $1}' "${TMPDIR:-/tmp}"/cpuab_$name.$label.stat)
  local ins=$(awk '/instructions/ {gsub(",","",$1); print $1}' "${TMPDIR:-/tmp}"/cpuab_$name.$label.stat)
  echo "$name $label wall=$(echo "$t1 - $t0" | bc) cpu_ms=$ms instructions=$ins"
}
phase decode -c 16 -n 16 --max-tokens 32
phase prompt -c 16 -n 16 --shared-prefix-tokens 128 --unique-prefix --suffix-tokens 16 --max-tokens 2 --warmup 0
kill $pid; wait $pid || true
