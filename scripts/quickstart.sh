#!/usr/bin/env bash
# Fresh machine to a story: install dependencies, build, and run herd on the default model.
set -euo pipefail
cd "$(dirname "$0")/.."
./scripts/install_deps.sh
./scripts/build.sh -DHERD_TESTS=OFF
model="${HERD_MODEL:-../shared/models/stories260K.gguf}"
exec build/bin/herd run -m "$model" -p "Once upon a time" -n 256 "$@"
