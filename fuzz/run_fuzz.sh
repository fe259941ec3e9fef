#!/usr/bin/env bash
# Runs one of the fuzzers for a while on a scratch corpus. The seeds depend on the fuzzer
# (its file name): checked-in ones from fuzz/corpus/ plus, made at run time, some shared
# files (never copied into the repository):
#   fuzz_gguf           corpus/gguf/*.gguf and the first 16 KB of a few shared models
#   fuzz_tokenizer      corpus/tokenizer/*.txt and the upstream tokenizer test inputs
#                       (models/vocab/*.inp), each behind a byte picking vocab and flags
#   fuzz_bpe_split      corpus/tokenizer/*.txt and the llama-bpe and qwen2 test inputs
#   fuzz_chat_template  the shared chat templates (reference/chat-templates/templates)
#   fuzz_http_request   three hand-written requests (pipelined, chunked, HTTP/1.0)
#   fuzz_manifest       corpus/manifest/* (a manifest, a config, messages and params layers)
#   fuzz_model_name     corpus/model_name/* (names, a digest, a GGUF file name, a Herdfile)
#   fuzz_registry_path  corpus/registry_path/* (/v2/ paths with queries, Range headers)
#   fuzz_gateway_input  corpus/gateway_input/* (amounts, times, a price file, key specs, a key)
#   fuzz_model_output   corpus/model_output/* (hand-written outputs of each format)
#   fuzz_gbnf           corpus/gbnf/*.gbnf (hand-written grammars), with gbnf.dict
#   fuzz_json_schema    corpus/json_schema/*.json (hand-written schemas), with json_schema.dict
#   fuzz_model_load     one byte per base model (no edits) and a few edit lists; the
#                       models themselves are read by the fuzzer from $HERD_SHARED_DIR
#
# usage: run_fuzz.sh FUZZER WORK_DIR SECONDS [extra libFuzzer flags...]
#   HERD_SHARED_DIR  the shared test files (default: ../shared next to the repository)
# Keeps WORK_DIR/corpus between runs (it grows); crashes land in WORK_DIR/artifacts/.
set -euo pipefail
if [[ $# -lt 3 ]]; then
  echo "usage: $0 FUZZER WORK_DIR SECONDS [libFuzzer flags...]" >&2
  exit 2
fi
fuzzer=$1 work=$2 seconds=$3
shift 3
here=$(cd "$(dirname "$0")" && pwd)
shared=${HERD_SHARED_DIR:-$here/../../shared}
export HERD_SHARED_DIR=$shared
corpus=$work/corpus
mkdir -p "$corpus" "$work/artifacts"

# Writes $corpus/NAME as the byte FLAGS (0..255) followed by the file SRC.
with_flag_byte() {
  local flags=$1 src=$2 name=$3
  { printf "\\x$(printf '%02x' "$flags")"; cat "$src"; } > "$corpus/$name"
}

dict=()
target_flags=()
case $(basename "$fuzzer") in
  fuzz_gguf*)
    cp "$here"/corpus/gguf/*.gguf "$corpus/"
    for m in models/stories260K.gguf models/mmproj-tinygemma3.gguf \
             models/llama-2-tiny-random.gguf reference/logits/llama-tiny-Q4_K_M.gguf; do
      if [[ -f "$shared/$m" ]]; then
        head -c 16384 "$shared/$m" > "$corpus/header-$(basename "$m")"
      fi
    done
    dict=(-dict="$here/gguf.dict")
    ;;
  fuzz_tokenizer*)
    # Byte 0: bits 0-3 the vocab (in fuzz_tokenizer.cc's order), 0x10 add_special,
    # 0x20 parse_special, 0x40 render_special.
    vocabs=(llama-spm llama-bpe qwen2 gpt-2 bert-bge deepseek-coder)
    for i in "${!vocabs[@]}"; do
      for f in "$here"/corpus/tokenizer/*.txt; do
        with_flag_byte "$i" "$f" "${vocabs[$i]}-$(basename "$f" .txt)"
        with_flag_byte $(( i | 0x70 )) "$f" "${vocabs[$i]}-special-$(basename "$f" .txt)"
      done
      inp=$shared/models/vocab/ggml-vocab-${vocabs[$i]}.gguf.inp
      if [[ -f "$inp" ]]; then
        with_flag_byte "$i" "$inp" "${vocabs[$i]}-upstream"
        with_flag_byte $(( i | 0x10 )) "$inp" "${vocabs[$i]}-upstream-bos"
      fi
    done
    dict=(-dict="$here/tokenizer.dict")
    ;;
  fuzz_bpe_split*)
    cp "$here"/corpus/tokenizer/*.txt "$corpus/"
    for inp in "$shared"/models/vocab/ggml-vocab-{llama-bpe,qwen2}.gguf.inp; do
      if [[ -f "$inp" ]]; then cp "$inp" "$corpus/$(basename "$inp")"; fi
    done
    dict=(-dict="$here/tokenizer.dict")
    ;;
  fuzz_model_load*)
    # Byte 0 picks the base model (fuzz_model_load.cc's kBaseModels); then op bytes.
    for i in $(seq 0 11); do
      printf "\\x$(printf '%02x' "$i")" > "$corpus/base-$i"
      # block_count doubled; a tensor retyped; the architecture swapped.
      printf "\\x$(printf '%02x' "$i")\\x00\\x00\\x00\\x05" > "$corpus/base-$i-layers"
      printf "\\x$(printf '%02x' "$i")\\x09\\x03\\x00\\x00\\x02" > "$corpus/base-$i-retype"
      printf "\\x$(printf '%02x' "$i")\\x04\\x01\\x00\\x01" > "$corpus/base-$i-arch"
    done
    # Up to ~16 edits from the start; no single allocation near what a count from the file
    # could ask for (the base models are at most 7.4 MB).
    target_flags=(-max_len=128 -len_control=0 -malloc_limit_mb=256)
    ;;
  fuzz_chat_template*)
    for t in "$shared"/reference/chat-templates/templates/*.jinja; do
      if [[ -f "$t" ]]; then cp "$t" "$corpus/"; fi
    done
    dict=(-dict="$here/jinja.dict")
    ;;
  fuzz_http_request*)
    # Byte 0: the size of the pieces the rest is fed in.
    printf '\x07GET /health HTTP/1.1\r\nHost: a\r\n\r\nPOST /x HTTP/1.1\r\nHost: a\r\nContent-Length: 3\r\n\r\nabc' \
      > "$corpus/pipelined"
    printf '\x03POST /x HTTP/1.1\r\nHost: a\r\nTransfer-Encoding: chunked\r\n\r\n3;e=1\r\nabc\r\n0\r\nT: v\r\n\r\n' \
      > "$corpus/chunked"
    printf '\x40GET / HTTP/1.0\r\nExpect: 100-continue\r\nConnection: close\r\n\r\n' > "$corpus/http10"
    ;;
  fuzz_model_output*)
    # Byte 0 the format, byte 1 the cut seed (fuzz_model_output.cc), then the output.
    cp "$here"/corpus/model_output/* "$corpus/"
    dict=(-dict="$here/model_output.dict")
    ;;
  fuzz_gbnf*)
    cp "$here"/corpus/gbnf/*.gbnf "$corpus/"
    dict=(-dict="$here/gbnf.dict")
    ;;
  fuzz_json_schema*)
    cp "$here"/corpus/json_schema/*.json "$corpus/"
    dict=(-dict="$here/json_schema.dict")
    ;;
  fuzz_manifest*|fuzz_model_name*|fuzz_registry_path*|fuzz_gateway_input*)
    # Hand-written seeds: real manifests and layers; names, digests, file names, a Herdfile;
    # registry paths (byte 0 picks path and/or Range; fuzz_registry_path.cc).
    name=$(basename "$fuzzer")
    cp "$here/corpus/${name#fuzz_}"/* "$corpus/"
    ;;
  *)
    echo "$0: no seeds known for $(basename "$fuzzer"); fuzzing from WORK_DIR/corpus as it is" >&2
    ;;
esac

exec "$fuzzer" -max_total_time="$seconds" -timeout=5 -rss_limit_mb=2048 \
  "${dict[@]}" "${target_flags[@]}" -artifact_prefix="$work/artifacts/" -print_final_stats=1 \
  "$@" "$corpus"
