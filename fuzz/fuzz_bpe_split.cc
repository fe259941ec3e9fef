// libFuzzer target: the hand-written Llama 3 / Qwen2 pre-tokenizer splits every input
// into exactly the words PCRE2 finds with the same regexes. Traps on the first
// difference so libFuzzer keeps the input.
#include <cstddef>
#include <cstdint>
#include <cstdio>
#include <string_view>
#include <vector>

#include "tokenizer/bpe_pretokenizer.h"

namespace {

struct Pair {
  herd::BpePreTokenizer fast;
  herd::BpePreTokenizer pcre;
};

Pair make(std::string_view pre) {
  herd::Result<herd::BpePreConfig> cfg = herd::bpe_pre_config(pre);
  if (!cfg.ok()) __builtin_trap();
  herd::Result<herd::BpePreTokenizer> fast = herd::BpePreTokenizer::create(cfg->patterns, true);
  herd::Result<herd::BpePreTokenizer> pcre = herd::BpePreTokenizer::create(cfg->patterns, false);
  if (!fast.ok() || !pcre.ok()) __builtin_trap();
  return Pair{std::move(fast).value(), std::move(pcre).value()};
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  static Pair llama3 = make("llama-bpe");
  static Pair qwen2 = make("qwen2");
  const std::string_view text(reinterpret_cast<const char*>(data), size);
  herd::BpePreTokenizer::Scratch scratch;
  for (Pair* p : {&llama3, &qwen2}) {
    std::vector<std::string_view> a, b;
    p->fast.split(text, a, scratch);
    p->pcre.split(text, b, scratch);
    if (a != b) {
      std::fprintf(stderr, "fuzz_bpe_split: the hand-written split differs from PCRE2 (%s)\n",
                   p == &llama3 ? "llama-bpe" : "qwen2");
      __builtin_trap();
    }
  }
  return 0;
}
