// synth_model: full-size shapes are planned exactly (without writing gigabytes), and the
// tiny shape is written, loaded and run by the engine.
#include "convert/synth_model.h"

#include <gtest/gtest.h>
#include <unistd.h>

#include <cmath>
#include <filesystem>
#include <fstream>
#include <iterator>
#include <map>

#include "../support/shared_data.h"
#include "gguf/gguf_file.h"
#include "model/context.h"
#include "model/model.h"
#include "tensor/quant_ref.h"

namespace herd {
namespace {

namespace fs = std::filesystem;

fs::path temp_path(const std::string& name) {
  return fs::path(::testing::TempDir()) / ("herd_synth_" + std::to_string(::getpid()) + "_" + name);
}

std::map<std::string, GgufTensorInfo> by_name(const std::vector<GgufTensorInfo>& tensors) {
  std::map<std::string, GgufTensorInfo> m;
  for (const GgufTensorInfo& t : tensors) m[t.name] = t;
  return m;
}

SynthParams plan_of(const std::string& shape, const std::string& type) {
  SynthParams p;
  p.shape = shape;
  p.type = type;
  p.plan_only = true;
  return p;
}

TEST(SynthModel, Llama2_7bPlanHasTheRealShapes) {
  Result<SynthSummary> s = synth_model(plan_of("llama2-7b", "Q4_0"));
  ASSERT_TRUE(s.ok()) << s.status().to_string();
  EXPECT_EQ(s->n_tensors, 2u + 32u * 9u + 1u);
  EXPECT_EQ(s->n_params, 6738415616);  // Llama-2-7B's parameter count
  const auto t = by_name(s->tensors);
  EXPECT_EQ(t.at("token_embd.weight").dims, (std::vector<uint64_t>{4096, 32000}));
  EXPECT_EQ(t.at("token_embd.weight").type, DType::kQ4_0);
  EXPECT_EQ(t.at("output.weight").type, DType::kQ6_K);
  EXPECT_EQ(t.at("blk.31.ffn_down.weight").dims, (std::vector<uint64_t>{11008, 4096}));
  EXPECT_EQ(t.at("blk.0.attn_k.weight").dims, (std::vector<uint64_t>{4096, 4096}));
  EXPECT_EQ(t.at("blk.0.attn_norm.weight").type, DType::kF32);
  EXPECT_GT(s->bytes, 3500000000u);
  EXPECT_LT(s->bytes, 4000000000u);
}

TEST(SynthModel, TinyLlamaAndQwen2Plans) {
  Result<SynthSummary> s = synth_model(plan_of("tinyllama-1.1b", "Q4_K_M"));
  ASSERT_TRUE(s.ok()) << s.status().to_string();
  EXPECT_EQ(s->n_params, 1100048384);  // TinyLlama-1.1B
  auto t = by_name(s->tensors);
  EXPECT_EQ(t.at("blk.0.attn_k.weight").dims, (std::vector<uint64_t>{2048, 256}));  // 4 kv heads of 64
  EXPECT_EQ(t.at("blk.21.ffn_up.weight").dims, (std::vector<uint64_t>{2048, 5632}));
  EXPECT_EQ(t.at("blk.0.attn_v.weight").type, DType::kQ6_K);
  EXPECT_EQ(t.at("blk.3.attn_v.weight").type, DType::kQ4_K);
  EXPECT_EQ(t.at("blk.4.attn_v.weight").type, DType::kQ6_K);

  s = synth_model(plan_of("qwen2-0.5b", "Q8_0"));
  ASSERT_TRUE(s.ok()) << s.status().to_string();
  t = by_name(s->tensors);
  EXPECT_EQ(t.count("output.weight"), 0u);  // tied
  EXPECT_EQ(t.at("token_embd.weight").dims, (std::vector<uint64_t>{896, 151936}));
  EXPECT_EQ(t.at("blk.23.attn_q.bias").dims, (std::vector<uint64_t>{896}));
  EXPECT_EQ(t.at("blk.0.attn_k.bias").dims, (std::vector<uint64_t>{128}));
  EXPECT_EQ(t.at("blk.0.ffn_gate.weight").dims, (std::vector<uint64_t>{896, 4864}));
  EXPECT_EQ(s->n_params, 494032768);  // Qwen2-0.5B
}

TEST(SynthModel, LayerOverrideAndErrors) {
  SynthParams p = plan_of("llama2-7b", "F16");
  p.n_layer = 1;
  Result<SynthSummary> s = synth_model(p);
  ASSERT_TRUE(s.ok());
  EXPECT_EQ(s->n_tensors, 2u + 9u + 1u);
  EXPECT_EQ(synth_model(plan_of("llama-99b", "Q4_0")).status().code(), StatusCode::kInvalidArgument);
  EXPECT_EQ(synth_model(plan_of("tiny", "Q9_9")).status().code(), StatusCode::kInvalidArgument);
}

TEST(SynthModel, SmallerVocabularyIsPaddedToTheShape) {
  const fs::path vocab = testing::shared_dir() / "models" / "stories260K.gguf";
  ASSERT_TRUE(fs::exists(vocab)) << "no shared models";
  SynthParams p = plan_of("tinyllama-1.1b", "Q8_0");
  p.vocab_from = vocab.string();
  Result<SynthSummary> s = synth_model(p);
  ASSERT_TRUE(s.ok()) << s.status().to_string();
  EXPECT_EQ(s->n_vocab, 32000);
  EXPECT_EQ(by_name(s->tensors).at("output.weight").dims, (std::vector<uint64_t>{2048, 32000}));
  p.vocab_from = (testing::shared_dir() / "no-such-vocab.gguf").string();
  EXPECT_FALSE(synth_model(p).ok());
}

class SynthTinyTest : public ::testing::TestWithParam<std::string> {};

TEST_P(SynthTinyTest, WritesAModelTheEngineRuns) {
  const fs::path vocab = testing::shared_dir() / "models" / "stories260K.gguf";
  ASSERT_TRUE(fs::exists(vocab)) << "no shared models";
  const fs::path out = temp_path(GetParam() + ".gguf");
  SynthParams p;
  p.shape = "tiny";
  p.type = GetParam();
  p.output = out.string();
  p.shared_dir = testing::shared_dir().string();
  p.seed = 7;
  p.n_threads = 2;
  size_t n_progress = 0;
  p.on_tensor = [&](const QuantizeProgress&) { ++n_progress; };
  Result<SynthSummary> s = synth_model(p);
  ASSERT_TRUE(s.ok()) << s.status().to_string();
  EXPECT_EQ(n_progress, s->n_tensors);
  EXPECT_EQ(fs::file_size(out), s->bytes);
  EXPECT_EQ(s->n_vocab, 512);

  auto file = GgufFile::open(out.string());
  ASSERT_TRUE(file.ok()) << file.status().to_string();
  auto src = GgufFile::open(vocab.string());
  for (const GgufKv& kv : (*src)->metadata()) {
    if (kv.key.substr(0, 10) == "tokenizer.") {
      EXPECT_NE((*file)->find(kv.key), nullptr) << kv.key;
    }
  }
  EXPECT_EQ(*(*file)->get_int("llama.embedding_length"), 256);

  auto model = Model::load(out.string());
  ASSERT_TRUE(model.ok()) << model.status().to_string();
  ContextParams cp;
  cp.n_ctx = 64;
  cp.n_threads = 2;
  auto ctx = Context::create(**model, cp);
  ASSERT_TRUE(ctx.ok());
  const std::vector<int32_t> prompt = {1, 403, 407, 261, 378, 17, 99, 300};
  ASSERT_TRUE((*ctx)->eval(prompt, true).ok());
  double sum_sq = 0.0;
  for (size_t p_i = 0; p_i < prompt.size(); ++p_i) {
    for (float v : (*ctx)->logits(static_cast<int64_t>(p_i))) {
      ASSERT_TRUE(std::isfinite(v));
      sum_sq += double(v) * v;
    }
  }
  const double rms = std::sqrt(sum_sq / (prompt.size() * 512.0));
  EXPECT_GT(rms, 0.5);   // random, not degenerate
  EXPECT_LT(rms, 20.0);  // and not blown up
  for (int i = 0; i < 16; ++i) {
    const int32_t one[1] = {i + 3};
    ASSERT_TRUE((*ctx)->eval(one, false).ok());
    for (float v : (*ctx)->last_logits()) ASSERT_TRUE(std::isfinite(v));
  }
  fs::remove(out);
}

INSTANTIATE_TEST_SUITE_P(Types, SynthTinyTest, ::testing::Values("F32", "F16", "Q8_0", "Q4_0"),
                         [](const ::testing::TestParamInfo<std::string>& info) { return info.param; });

TEST(SynthModel, SameSeedSameFileOtherSeedOtherWeights) {
  ASSERT_TRUE(fs::exists(testing::shared_dir() / "models" / "stories260K.gguf")) << "no shared models";
  auto write = [](uint64_t seed, int threads, const std::string& name) {
    SynthParams p;
    p.shape = "tiny";
    p.type = "Q8_0";
    p.output = temp_path(name).string();
    p.shared_dir = testing::shared_dir().string();
    p.seed = seed;
    p.n_threads = threads;
    EXPECT_TRUE(synth_model(p).ok());
    std::ifstream in(p.output, std::ios::binary);
    std::string bytes((std::istreambuf_iterator<char>(in)), {});
    fs::remove(p.output);
    return bytes;
  };
  const std::string a = write(1, 1, "a.gguf"), b = write(1, 2, "b.gguf"), c = write(2, 2, "c.gguf");
  EXPECT_TRUE(a == b);  // threads do not change the result
  EXPECT_FALSE(a == c);
}

}  // namespace
}  // namespace herd
