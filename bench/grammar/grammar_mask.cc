// Token masks of the JSON grammar (fuzz/corpus/gbnf/json.gbnf) over the Qwen2 vocabulary
// (152k tokens): the trie build, a cold mask (one trie walk) in a few states, a cached mask, and
// the per-token cost of a decode loop (allowed_tokens + accept_token) over a JSON document.
// Run: build/bench/bench_grammar_mask
#include <benchmark/benchmark.h>

#include <cstdio>
#include <cstdlib>
#include <fstream>
#include <memory>
#include <sstream>
#include <string>
#include <vector>

#include "gguf/gguf_file.h"
#include "grammar/gbnf_parser.h"
#include "grammar/grammar_matcher.h"
#include "grammar/token_trie.h"
#include "tokenizer/tokenizer.h"

namespace herd::grammar {
namespace {

constexpr const char* kDocument =
    "{\"name\": \"Ada Lovelace\", \"born\": 1815, \"languages\": [\"en\", \"fr\"], \"notes\": "
    "\"first published algorithm \\u2014 for the Analytical Engine\", \"score\": -12.5e3, \"alive\": false, "
    "\"address\": {\"city\": \"London\", \"zip\": null}}";

// States to time cold masks in: the start, between members, inside a string, inside a number.
constexpr const char* kPrefixes[] = {"", "{\"name\": \"Ada\", ", "{\"name\": \"Ada Lov", "{\"born\": 18"};

struct Setup {
  std::unique_ptr<Tokenizer> tokenizer;
  std::vector<std::string> pieces;
  std::shared_ptr<const TokenTrie> trie;
  std::vector<int32_t> end_tokens;
  Grammar grammar;
};

const Setup& setup() {
  static const Setup* s = [] {
    auto* out = new Setup;
    const std::string vocab = std::string(HERD_SHARED_DIR) + "/models/vocab/ggml-vocab-qwen2.gguf";
    auto file = GgufFile::open(vocab);
    if (!file.ok()) {
      std::fprintf(stderr, "%s: %s\n", vocab.c_str(), file.status().to_string().c_str());
      std::exit(1);
    }
    auto tok = Tokenizer::from_gguf(*file.value());
    if (!tok.ok()) {
      std::fprintf(stderr, "%s\n", tok.status().to_string().c_str());
      std::exit(1);
    }
    out->tokenizer = std::move(tok).value();
    for (int32_t id = 0; id < out->tokenizer->vocab().n_tokens(); ++id) out->pieces.push_back(out->tokenizer->token_to_piece(id));
    out->trie = std::make_shared<const TokenTrie>(out->pieces);
    const auto ends = out->tokenizer->vocab().end_of_generation_ids();
    out->end_tokens.assign(ends.begin(), ends.end());
    std::ifstream in(std::string(HERD_SOURCE_DIR) + "/fuzz/corpus/gbnf/json.gbnf");
    std::stringstream text;
    text << in.rdbuf();
    auto g = parse_gbnf(text.str());
    if (!g.ok()) {
      std::fprintf(stderr, "json.gbnf: %s\n", g.status().to_string().c_str());
      std::exit(1);
    }
    out->grammar = std::move(g).value();
    return out;
  }();
  return *s;
}

std::shared_ptr<const CompiledGrammar> compiled() {
  const Setup& s = setup();
  auto c = CompiledGrammar::create(s.grammar, s.trie, s.end_tokens);
  if (!c.ok()) std::exit(1);
  return c.value();
}

void BM_TrieBuild(benchmark::State& state) {
  const Setup& s = setup();
  for (auto _ : state) {
    TokenTrie trie(s.pieces);
    benchmark::DoNotOptimize(trie.n_nodes());
  }
  state.counters["nodes"] = double(s.trie->n_nodes());
}
BENCHMARK(BM_TrieBuild)->Unit(benchmark::kMillisecond);

// One trie walk: a fresh grammar (empty cache) per iteration.
void BM_MaskCold(benchmark::State& state) {
  const std::string prefix = kPrefixes[state.range(0)];
  size_t allowed = 0;
  for (auto _ : state) {
    state.PauseTiming();
    GrammarMatcher m(compiled());
    if (!m.accept_bytes(prefix)) std::exit(1);
    state.ResumeTiming();
    const TokenMask& mask = m.allowed_tokens();
    benchmark::DoNotOptimize(mask.words.data());
    allowed = 0;
    for (uint64_t w : mask.words) allowed += size_t(__builtin_popcountll(w));
  }
  state.counters["allowed"] = double(allowed);
}
BENCHMARK(BM_MaskCold)->DenseRange(0, 3)->Unit(benchmark::kMillisecond);

// A state seen before: a copy of the matcher (as a fork would) and a cache lookup.
void BM_MaskCached(benchmark::State& state) {
  GrammarMatcher m(compiled());
  if (!m.accept_bytes(kPrefixes[state.range(0)])) std::exit(1);
  m.allowed_tokens();
  for (auto _ : state) {
    GrammarMatcher copy(m);
    benchmark::DoNotOptimize(&copy.allowed_tokens());
  }
}
BENCHMARK(BM_MaskCached)->DenseRange(0, 3);

// What a constrained decode step adds: allowed_tokens() then accept_token(), per token of a JSON
// document (its Qwen2 tokens), cache warm after the first pass.
void BM_DecodeLoop(benchmark::State& state) {
  const Setup& s = setup();
  const std::vector<int32_t> ids = s.tokenizer->encode(kDocument, false, false);
  auto g = compiled();
  for (auto _ : state) {
    GrammarMatcher m(g);
    for (int32_t id : ids) {
      if (!m.allowed_tokens().allows(id) || !m.accept_token(id)) std::exit(1);
    }
    benchmark::DoNotOptimize(m.can_end());
  }
  state.SetItemsProcessed(int64_t(state.iterations()) * int64_t(ids.size()));
}
BENCHMARK(BM_DecodeLoop)->Unit(benchmark::kMicrosecond);

}  // namespace
}  // namespace herd::grammar

BENCHMARK_MAIN();
