// Forward-pass behaviour of the family features, on tiny in-memory models: batching
// never changes the result, the sliding window hides exactly what it should, MoE
// plumbing, long-rope factor choice, soft-caps.
#include <gtest/gtest.h>

#include <cmath>

#include "model/context.h"
#include "tiny_model.h"

namespace herd {
namespace {

using test::make_tiny_model;
using test::TinyModel;
using test::TinyShape;

const std::vector<int32_t> kIds = {1, 17, 5, 30, 2, 9, 9, 14, 27, 3, 11, 22, 7, 0, 19, 25, 8, 12, 31, 4};

std::unique_ptr<Context> make_context(const Model& model, int32_t n_ctx, int32_t n_batch, int32_t n_threads = 2) {
  Result<std::unique_ptr<Context>> ctx = Context::create(model, {n_ctx, n_batch, n_threads});
  EXPECT_TRUE(ctx.ok()) << ctx.status().to_string();
  return ctx.ok() ? std::move(ctx).value() : nullptr;
}

std::vector<float> all_logits(const Model& model, const std::vector<int32_t>& ids, int32_t n_batch = 512,
                              int32_t n_ctx = 64) {
  std::unique_ptr<Context> ctx = make_context(model, n_ctx, n_batch);
  if (!ctx) return {};
  EXPECT_TRUE(ctx->eval(ids, true).ok());
  std::vector<float> out;
  for (size_t i = 0; i < ids.size(); ++i) {
    auto row = ctx->logits(static_cast<int64_t>(i));
    out.insert(out.end(), row.begin(), row.end());
  }
  return out;
}

std::unique_ptr<Model> load(TinyModel& m) {
  Result<std::unique_ptr<Model>> model = m.load();
  EXPECT_TRUE(model.ok()) << model.status().to_string();
  return model.ok() ? std::move(model).value() : nullptr;
}

double max_diff(const std::vector<float>& a, const std::vector<float>& b, size_t from = 0, size_t to = SIZE_MAX) {
  double d = 0.0;
  for (size_t i = from; i < std::min({a.size(), b.size(), to}); ++i) d = std::max(d, std::fabs(double(a[i]) - b[i]));
  return d;
}

// Tiny models with every family feature switched on (small windows, soft-caps).
TinyModel featureful(const std::string& arch) {
  TinyModel m = make_tiny_model(arch);
  if (arch == "gemma2" || arch == "gemma3" || arch == "phi3") m.set_arch("attention.sliding_window", 4u);
  if (arch == "gemma2") m.set_arch("attn_logit_softcapping", 2.0f).set_arch("final_logit_softcapping", 3.0f);
  if (arch == "gemma3") m.set_arch("rope.scaling.type", std::string("linear")).set_arch("rope.scaling.factor", 8.0f);
  return m;
}

class EveryArchForward : public ::testing::TestWithParam<std::string> {};

TEST_P(EveryArchForward, BatchingAndDecodingAgree) {
  TinyModel m = featureful(GetParam());
  std::unique_ptr<Model> model = load(m);
  ASSERT_TRUE(model);
  const std::vector<float> one = all_logits(*model, kIds);
  ASSERT_EQ(one.size(), kIds.size() * 32);
  for (float v : one) ASSERT_TRUE(std::isfinite(v));
  EXPECT_LT(max_diff(one, all_logits(*model, kIds, 3)), 1e-4);

  std::unique_ptr<Context> steps = make_context(*model, 64, 512);
  for (size_t i = 0; i < kIds.size(); ++i) {
    const int32_t tok[1] = {kIds[i]};
    ASSERT_TRUE(steps->eval(tok, false).ok());
    auto row = steps->last_logits();
    for (size_t v = 0; v < row.size(); ++v) ASSERT_NEAR(row[v], one[i * 32 + v], 1e-4) << i << " " << v;
  }
}

TEST_P(EveryArchForward, ThreadCountDoesNotChangeTheResult) {
  TinyModel m = featureful(GetParam());
  std::unique_ptr<Model> model = load(m);
  ASSERT_TRUE(model);
  std::vector<float> first;
  for (int threads : {1, 3}) {
    std::unique_ptr<Context> ctx = make_context(*model, 64, 512, threads);
    ASSERT_TRUE(ctx->eval(kIds, true).ok());
    std::vector<float> got(ctx->logits(0).begin(), ctx->logits(0).end());
    auto last = ctx->last_logits();
    got.insert(got.end(), last.begin(), last.end());
    if (first.empty()) first = got;
    EXPECT_EQ(got, first) << threads;
  }
}

INSTANTIATE_TEST_SUITE_P(Arch, EveryArchForward,
                         ::testing::Values("llama", "qwen2", "qwen2moe", "qwen3", "qwen3moe", "gemma", "gemma2",
                                           "gemma3", "phi3"));

// With a window of W on both layers, position p sees tokens p - 2(W - 1) .. p: changing
// token 0 moves the logits at positions up to 2(W - 1) and none after.
TEST(SlidingWindow, HidesExactlyTheKeysOutsideTheWindow) {
  TinyModel m = make_tiny_model("phi3");
  m.set_arch("attention.sliding_window", 3u);
  std::unique_ptr<Model> model = load(m);
  ASSERT_TRUE(model);
  std::vector<int32_t> other = kIds;
  other[0] = 6;
  const std::vector<float> a = all_logits(*model, kIds), b = all_logits(*model, other);
  EXPECT_GT(max_diff(a, b, 4 * 32, 5 * 32), 1e-4);  // position 4 still sees token 0
  EXPECT_EQ(max_diff(a, b, 5 * 32), 0.0);           // positions 5.. do not
}

TEST(SlidingWindow, OnlyTheSlidingLayersSlide) {
  // gemma2: layer 0 slides, layer 1 is global, so token 0 reaches every position.
  TinyModel m = make_tiny_model("gemma2");
  m.set_arch("attention.sliding_window", 3u);
  std::unique_ptr<Model> model = load(m);
  ASSERT_TRUE(model);
  std::vector<int32_t> other = kIds;
  other[0] = 6;
  EXPECT_GT(max_diff(all_logits(*model, kIds), all_logits(*model, other), 19 * 32), 1e-6);
}

TEST(SoftCap, FinalLogitsStayInsideTheCap) {
  TinyModel m = make_tiny_model("gemma2");
  m.set_arch("final_logit_softcapping", 0.5f);
  std::unique_ptr<Model> model = load(m);
  ASSERT_TRUE(model);
  for (float v : all_logits(*model, kIds)) ASSERT_LE(std::fabs(v), 0.5f);
}

// Four identical experts whose weights sum to 1 (renormalised) act as one dense FFN.
TEST(Moe, IdenticalRenormalisedExpertsEqualTheDenseFfn) {
  TinyShape s;
  s.n_expert = 4;
  s.n_expert_used = 2;
  TinyModel moe = make_tiny_model("llama", s);
  TinyModel dense = make_tiny_model("llama");
  for (int il = 0; il < 2; ++il) {
    const std::string p = "blk." + std::to_string(il) + ".";
    for (const char* part : {"gate", "up", "down"}) {
      TinyModel::Tensor& d = dense.at(p + "ffn_" + part + ".weight");
      TinyModel::Tensor& e = moe.at(p + "ffn_" + part + "_exps.weight");
      for (size_t k = 0; k < e.data.size(); ++k) e.data[k] = d.data[k % d.data.size()];
    }
    for (const char* name : {"attn_norm", "attn_q", "attn_k", "attn_v", "attn_output", "ffn_norm"}) {
      moe.at(p + name + ".weight").data = dense.at(p + name + ".weight").data;
    }
  }
  for (const char* name : {"token_embd.weight", "output_norm.weight", "output.weight"}) {
    moe.at(name).data = dense.at(name).data;
  }
  std::unique_ptr<Model> a = load(moe), b = load(dense);
  ASSERT_TRUE(a && b);
  EXPECT_LT(max_diff(all_logits(*a, kIds, 5), all_logits(*b, kIds)), 1e-4);
}

// Files converted before the experts were merged hold one 2-D tensor per expert.
TEST(Moe, PerExpertTensorsOfOldFilesLoad) {
  TinyShape s;
  s.n_expert = 4;
  s.n_expert_used = 2;
  TinyModel merged = make_tiny_model("llama", s);
  TinyModel split = merged;
  for (int il = 0; il < 2; ++il) {
    const std::string p = "blk." + std::to_string(il) + ".";
    for (const char* part : {"gate", "up", "down"}) {
      const TinyModel::Tensor t = split.at(p + "ffn_" + part + "_exps.weight");
      split.erase_tensor(p + "ffn_" + part + "_exps.weight");
      const size_t per = t.data.size() / 4;
      for (size_t e = 0; e < 4; ++e) {
        split.tensor(p + "ffn_" + part + "." + std::to_string(e) + ".weight", {t.dims[0], t.dims[1]},
                     std::vector<float>(t.data.begin() + e * per, t.data.begin() + (e + 1) * per));
      }
    }
  }
  std::unique_ptr<Model> a = load(merged), b = load(split);
  ASSERT_TRUE(a && b);
  EXPECT_EQ(all_logits(*a, kIds), all_logits(*b, kIds));
}

TEST(Moe, SharedExpertGateMatters) {
  TinyModel m = make_tiny_model("qwen2moe");
  std::unique_ptr<Model> base = load(m);
  ASSERT_TRUE(base);
  const std::vector<float> a = all_logits(*base, kIds);
  for (float& v : m.at("blk.0.ffn_gate_inp_shexp.weight").data) v = -100.0f;  // gate ≈ 0 for most tokens
  std::unique_ptr<Model> gated = load(m);
  ASSERT_TRUE(gated);
  EXPECT_GT(max_diff(a, all_logits(*gated, kIds)), 1e-3);
}

// phi3 long-rope: the short factors below the original context, the long ones above it,
// each acting exactly like rope_freqs; cos/sin scaled by the attention factor.
TEST(LongRope, FactorsFollowTheContextSize) {
  const std::vector<float> shorts = {1.0f, 1.5f, 2.0f, 4.0f}, longs = {2.0f, 3.0f, 8.0f, 16.0f};
  TinyModel m = make_tiny_model("phi3");
  m.set_arch("context_length", 128u).set_arch("rope.scaling.original_context_length", 32u);
  m.set_arch("rope.scaling.attn_factor", 1.0f);
  m.tensor("rope_factors_long.weight", {4}, longs).tensor("rope_factors_short.weight", {4}, shorts);
  std::unique_ptr<Model> longrope = load(m);
  ASSERT_TRUE(longrope);

  TinyModel plain = make_tiny_model("phi3");
  plain.tensor("rope_freqs.weight", {4}, shorts);
  std::unique_ptr<Model> with_short = load(plain);
  plain.tensor("rope_freqs.weight", {4}, longs);
  std::unique_ptr<Model> with_long = load(plain);
  ASSERT_TRUE(with_short && with_long);

  EXPECT_LT(max_diff(all_logits(*longrope, kIds, 512, 32), all_logits(*with_short, kIds, 512, 32)), 1e-5);
  EXPECT_LT(max_diff(all_logits(*longrope, kIds, 512, 33), all_logits(*with_long, kIds, 512, 33)), 1e-5);
  EXPECT_GT(max_diff(all_logits(*with_short, kIds), all_logits(*with_long, kIds)), 1e-3);

  m.set_arch("rope.scaling.attn_factor", 1.3f);
  std::unique_ptr<Model> scaled = load(m);
  ASSERT_TRUE(scaled);
  EXPECT_GT(max_diff(all_logits(*scaled, kIds, 512, 32), all_logits(*with_short, kIds, 512, 32)), 1e-3);
}

}  // namespace
}  // namespace herd
