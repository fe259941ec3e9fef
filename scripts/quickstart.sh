#!/usr/bin/env bash
# Fresh machine to herd's main job: install dependencies, build, serve the default model
# through the OpenAI-compatible API, ask it for a story with curl, then keep
# serving until Ctrl-C. HERD_MODEL picks another GGUF, HERD_PORT another port; further
# arguments go to `herd serve`.
set -euo pipefail
cd "$(dirname "$0")/.."
./scripts/install_deps.sh
./scripts/build.sh -DHERD_TESTS=OFF
model="${HERD_MODEL:-../shared/models/stories260K.gguf}"
port="${HERD_PORT:-8080}"
url="http://127.0.0.1:$port"

# Its own session: Ctrl-C reaches only this script, whose exit trap then drains the server once.
setsid build/bin/herd serve -m "$model" --port "$port" "$@" &
server=$!
trap 'kill -TERM "$server" 2>/dev/null || true; wait "$server" 2>/dev/null || true' EXIT
trap 'exit 0' INT TERM
for _ in $(seq 1 300); do
  if curl -sf "$url/health" >/dev/null 2>&1; then break; fi
  if ! kill -0 "$server" 2>/dev/null; then echo "herd serve did not start" >&2; exit 1; fi
  sleep 0.1
done

echo "== POST $url/v1/completions {\"prompt\": \"Once upon a time\", \"max_tokens\": 200}"
curl -sf "$url/v1/completions" -H 'Content-Type: application/json' \
  -d '{"prompt": "Once upon a time", "max_tokens": 200}' |
  node -e 'let s = ""; process.stdin.on("data", d => s += d).on("end", () => {
    const r = JSON.parse(s); console.log("Once upon a time" + r.choices[0].text); console.log(r.usage); })'
echo "herd is serving $model at $url/v1 (OpenAI API: /v1/chat/completions, /v1/completions," \
     "/v1/models, /metrics); Ctrl-C stops it"
wait "$server"
