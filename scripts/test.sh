#!/usr/bin/env bash
# Fresh machine to a tested herd: install dependencies, build, run every test and the
# API suite (the openai npm client against `herd serve`); then
# build again with clang under AddressSanitizer + UndefinedBehaviorSanitizer and run
# the whole suite there too, including the short libFuzzer runs.
set -euo pipefail
cd "$(dirname "$0")/.."
./scripts/install_deps.sh

echo "== release build (g++) and tests"
./scripts/build.sh -DHERD_TESTS=ON
ctest --test-dir build --output-on-failure -j2

echo "== API tests: the official openai npm client against a live herd serve"
HERD_BIN=build/bin/herd tests/api/run.sh

if [ "${HERD_SKIP_SANITIZE:-0}" != "1" ]; then
  echo "== sanitizer build (clang, ASan+UBSan, libFuzzer) and tests"
  CC=clang CXX=clang++ cmake -S . -B build-sanitize -G Ninja -DCMAKE_BUILD_TYPE=RelWithDebInfo \
    -DHERD_FUZZ=ON -DHERD_TESTS=ON
  cmake --build build-sanitize -j2
  ASAN_OPTIONS=detect_leaks=1:abort_on_error=1 UBSAN_OPTIONS=print_stacktrace=1:halt_on_error=1 \
    ctest --test-dir build-sanitize --output-on-failure -j2
fi
echo "== all tests passed"
