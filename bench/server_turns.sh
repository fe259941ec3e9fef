# Sourced by the bench/compare_*.sh scripts, which start one server at a time and take
# turns: stop_server ends the one running ($server_pid); wait_healthy NAME LOG waits
# until it answers /health on $port, or prints its log and exits when it dies or never
# becomes healthy. median_rounds prints the median of the numbers on its input (one a
# line) and each of them in brackets, rounded: "12 (11, 12, 14)".
server_pid=
stop_server() {
  [ -n "$server_pid" ] || return 0
  kill -TERM "$server_pid" 2>/dev/null || true
  wait "$server_pid" 2>/dev/null || true
  server_pid=
}

wait_healthy() {  # NAME LOG
  for _ in $(seq 1 600); do
    if curl -sf -o /dev/null "http://127.0.0.1:$port/health"; then return 0; fi
    kill -0 "$server_pid" 2>/dev/null || break
    sleep 0.2
  done
  echo "$1 did not become healthy; its log:" >&2
  cat "$2" >&2
  exit 1
}

median_rounds() {
  local vals
  vals=$(cat)
  printf '%.0f (%s)' "$(echo "$vals" | sort -g | awk '{v[NR] = $1}
    END {print (NR % 2) ? v[(NR + 1) / 2] : (v[NR / 2] + v[NR / 2 + 1]) / 2}')" \
    "$(echo "$vals" | awk '{printf "%s%.0f", (NR > 1 ? ", " : ""), $1}')"
}
