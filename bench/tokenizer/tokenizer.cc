// Byte-level BPE encode/decode throughput on a mixed English / Chinese / code corpus.
// Run: build/bench/bench_tokenizer (bytes_per_second is the figure of merit).
#include <cstdlib>
#include <fstream>
#include <iterator>
#include <benchmark/benchmark.h>

#include <cstdint>
#include <memory>
#include <string>
#include <vector>

#include "gguf/gguf_file.h"
#include "tokenizer/tokenizer.h"

namespace herd {
namespace {

constexpr const char* kEnglish[] = {
    "The quick brown fox jumps over the lazy dog while the farmer's children watch. ",
    "In 2023, researchers reported that large language models can't always reason reliably. ",
    "She said, \"We'll meet at 10:30 tomorrow, won't we?\" and he nodded slowly.\n",
    "Tokenization splits text into pieces; each piece maps to an integer identifier. ",
    "Prices rose 3.7% in March, according to the Bureau's preliminary estimates.\n\n",
};
constexpr const char* kChinese[] = {
    "我想在苹果园里工作，因为那里的空气很新鲜。",
    "大型语言模型正在改变人们获取信息的方式。\n",
    "今天天气很好，我们一起去公园散步吧！",
    "机器学习需要大量的数据和计算资源。",
};
constexpr const char* kCode[] = {
    "def fibonacci(n):\n    if n < 2:\n        return n\n    return fibonacci(n - 1) + fibonacci(n - 2)\n\n",
    "for (int i = 0; i < n; ++i) {\n  sum += values[i] * weights[i];\n}\n",
    "    const auto it = std::find_if(items.begin(), items.end(), [&](const Item& x) { return x.id == id; });\n",
    "SELECT name, COUNT(*) AS n FROM users WHERE created_at > '2024-01-01' GROUP BY name;\n",
};

// About `bytes` of text: the sentences above in a pseudo-random order, with numbers and
// words varied so that the same strings do not simply repeat.
std::string make_corpus(size_t bytes) {
  std::string out;
  uint64_t state = 0x243F6A8885A308D3ull;
  auto next = [&]() {
    state = state * 6364136223846793005ull + 1442695040888963407ull;
    return static_cast<uint32_t>(state >> 33);
  };
  while (out.size() < bytes) {
    const uint32_t r = next();
    switch (r % 10) {
      case 0: case 1: case 2: case 3: case 4:
        out += kEnglish[next() % 5];
        break;
      case 5: case 6: case 7:
        out += kChinese[next() % 4];
        break;
      default:
        out += kCode[next() % 4];
        break;
    }
    out += std::to_string(next() % 100000);
    out += (r & 64) ? " " : "\n";
    if (r & 128) out += "variant_" + std::to_string(next() % 997) + " ";
  }
  return out;
}

// About `bytes` of text in which words rarely repeat: random lowercase/capitalised
// letter strings, random CJK ideographs, random numbers and punctuation. Measures the
// merge loop itself, since the per-thread word cache seldom hits here.
std::string make_varied_corpus(size_t bytes) {
  std::string out;
  uint64_t state = 0x13198A2E03707344ull;
  auto next = [&]() {
    state = state * 6364136223846793005ull + 1442695040888963407ull;
    return static_cast<uint32_t>(state >> 33);
  };
  while (out.size() < bytes) {
    const uint32_t r = next() % 20;
    if (r < 14) {
      const uint32_t len = 2 + next() % 9;
      for (uint32_t i = 0; i < len; ++i) {
        const char base = i == 0 && next() % 4 == 0 ? 'A' : 'a';
        out += static_cast<char>(base + next() % 26);
      }
      out += ' ';
    } else if (r < 17) {
      for (uint32_t i = 0, n = 1 + next() % 6; i < n; ++i) {
        const uint32_t cp = 0x4E00 + next() % 0x5000;  // 3-byte UTF-8
        out += static_cast<char>(0xE0 | (cp >> 12));
        out += static_cast<char>(0x80 | ((cp >> 6) & 0x3F));
        out += static_cast<char>(0x80 | (cp & 0x3F));
      }
    } else if (r < 19) {
      out += std::to_string(next()) + " ";
    } else {
      out += ".,;:!?()\n"[next() % 9];
    }
  }
  return out;
}

const Tokenizer* tokenizer(const std::string& name) {
  static std::vector<std::unique_ptr<GgufFile>> files;
  static std::vector<std::pair<std::string, std::unique_ptr<Tokenizer>>> toks;
  for (const auto& [n, t] : toks) {
    if (n == name) return t.get();
  }
  const std::string path = std::string(HERD_SHARED_DIR) + "/models/vocab/ggml-vocab-" + name + ".gguf";
  Result<std::unique_ptr<GgufFile>> f = GgufFile::open(path);
  if (!f.ok()) return nullptr;
  Result<std::unique_ptr<Tokenizer>> t = Tokenizer::from_gguf(**f);
  if (!t.ok()) return nullptr;
  files.push_back(std::move(f).value());
  toks.emplace_back(name, std::move(t).value());
  return toks.back().second.get();
}

const std::string& corpus() {
  static const std::string c = make_corpus(1 << 20);
  return c;
}

void BM_Encode(benchmark::State& state, const char* vocab) {
  const Tokenizer* tok = tokenizer(vocab);
  if (tok == nullptr) {
    state.SkipWithError("vocab not found");
    return;
  }
  const std::string& text = corpus();
  size_t n_tokens = 0;
  for (auto _ : state) {
    const std::vector<int32_t> ids = tok->encode(text, false, false);
    n_tokens = ids.size();
    benchmark::DoNotOptimize(ids.data());
  }
  state.SetBytesProcessed(static_cast<int64_t>(state.iterations() * text.size()));
  state.counters["tokens"] = static_cast<double>(n_tokens);
}

void BM_EncodeVaried(benchmark::State& state, const char* vocab) {
  const Tokenizer* tok = tokenizer(vocab);
  if (tok == nullptr) {
    state.SkipWithError("vocab not found");
    return;
  }
  static const std::string text = make_varied_corpus(1 << 20);
  for (auto _ : state) {
    const std::vector<int32_t> ids = tok->encode(text, false, false);
    benchmark::DoNotOptimize(ids.data());
  }
  state.SetBytesProcessed(static_cast<int64_t>(state.iterations() * text.size()));
}

void BM_Decode(benchmark::State& state, const char* vocab) {
  const Tokenizer* tok = tokenizer(vocab);
  if (tok == nullptr) {
    state.SkipWithError("vocab not found");
    return;
  }
  const std::vector<int32_t> ids = tok->encode(corpus(), false, false);
  for (auto _ : state) {
    const std::string text = tok->decode(ids);
    benchmark::DoNotOptimize(text.data());
  }
  state.SetBytesProcessed(static_cast<int64_t>(state.iterations() * corpus().size()));
}

// A real corpus from a file ($HERD_BENCH_CORPUS), encoded once per process: the
// per-thread word cache starts cold, so this is the honest first-encounter speed.
// (The loops above re-encode one text, so after the first pass they mostly hit the cache.)
void BM_EncodeFileCold(benchmark::State& state, const char* vocab) {
  const char* path = std::getenv("HERD_BENCH_CORPUS");
  const Tokenizer* tok = tokenizer(vocab);
  if (path == nullptr || tok == nullptr) {
    state.SkipWithError("set HERD_BENCH_CORPUS to a UTF-8 text file (and have the vocab)");
    return;
  }
  std::ifstream in(path, std::ios::binary);
  const std::string text((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
  size_t n_tokens = 0;
  for (auto _ : state) {
    const std::vector<int32_t> ids = tok->encode(text, false, false);
    n_tokens = ids.size();
    benchmark::DoNotOptimize(ids.data());
  }
  state.SetBytesProcessed(static_cast<int64_t>(state.iterations() * text.size()));
  state.counters["tokens"] = static_cast<double>(n_tokens);
}
BENCHMARK_CAPTURE(BM_EncodeFileCold, llama_bpe, "llama-bpe")->Iterations(1)->Unit(benchmark::kMillisecond);

BENCHMARK_CAPTURE(BM_Encode, llama_bpe, "llama-bpe")->Unit(benchmark::kMillisecond);
BENCHMARK_CAPTURE(BM_Encode, qwen2, "qwen2")->Unit(benchmark::kMillisecond);
BENCHMARK_CAPTURE(BM_Encode, gpt_2, "gpt-2")->Unit(benchmark::kMillisecond);
BENCHMARK_CAPTURE(BM_Encode, deepseek_llm, "deepseek-llm")->Unit(benchmark::kMillisecond);
BENCHMARK_CAPTURE(BM_Encode, bert_bge, "bert-bge")->Unit(benchmark::kMillisecond);
BENCHMARK_CAPTURE(BM_EncodeVaried, llama_bpe, "llama-bpe")->Unit(benchmark::kMillisecond);
BENCHMARK_CAPTURE(BM_EncodeVaried, gpt_2, "gpt-2")->Unit(benchmark::kMillisecond);
BENCHMARK_CAPTURE(BM_Decode, llama_bpe, "llama-bpe")->Unit(benchmark::kMillisecond);

}  // namespace
}  // namespace herd

BENCHMARK_MAIN();
