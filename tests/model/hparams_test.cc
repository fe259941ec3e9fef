// Family flags and hyperparameter keys: defaults, overrides and bad values.
#include "model/hparams.h"

#include <gtest/gtest.h>

#include <cmath>

#include "tiny_model.h"

namespace herd {
namespace {

using test::make_tiny_model;
using test::TinyModel;

Hparams load_hparams(TinyModel& m) {
  Result<std::unique_ptr<Model>> model = m.load();
  EXPECT_TRUE(model.ok()) << model.status().to_string();
  return model.ok() ? (*model)->hparams() : Hparams{};
}

TEST(Hparams, FamilyFlags) {
  TinyModel llama = make_tiny_model("llama"), qwen2 = make_tiny_model("qwen2"), gemma = make_tiny_model("gemma");
  const Hparams l = load_hparams(llama), q = load_hparams(qwen2), g = load_hparams(gemma);
  EXPECT_EQ(l.rope_style, RopeStyle::kAdjacentPairs);
  EXPECT_EQ(q.rope_style, RopeStyle::kNeox);
  EXPECT_EQ(l.ffn_act, FfnActivation::kSilu);
  EXPECT_EQ(g.ffn_act, FfnActivation::kGeluTanh);
  EXPECT_FLOAT_EQ(g.embd_scale, 4.0f);  // sqrt(16)
  EXPECT_FLOAT_EQ(l.embd_scale, 1.0f);
  EXPECT_FLOAT_EQ(l.query_scale(), 1.0f / std::sqrt(8.0f));
  EXPECT_EQ(l.n_swa, 0);
  EXPECT_FALSE(l.is_swa_layer(0));
}

TEST(Hparams, Gemma2DefaultsAndKeys) {
  TinyModel m = make_tiny_model("gemma2");
  Hparams hp = load_hparams(m);
  EXPECT_FLOAT_EQ(hp.attn_softcap, 50.0f);  // llama.cpp's defaults when the keys are absent
  EXPECT_FLOAT_EQ(hp.final_softcap, 30.0f);
  EXPECT_EQ(hp.n_swa, 4096);
  m.set_arch("attn_logit_softcapping", 10.0f).set_arch("final_logit_softcapping", 15.0f);
  m.set_arch("attention.sliding_window", 32u);
  hp = load_hparams(m);
  EXPECT_FLOAT_EQ(hp.attn_softcap, 10.0f);
  EXPECT_FLOAT_EQ(hp.final_softcap, 15.0f);
  EXPECT_EQ(hp.n_swa, 32);
  EXPECT_TRUE(hp.is_swa_layer(0));
  EXPECT_FALSE(hp.is_swa_layer(1));
  EXPECT_TRUE(hp.is_swa_layer(24));
  EXPECT_FALSE(hp.is_swa_layer(25));
}

TEST(Hparams, Gemma3LocalGlobalLayers) {
  test::TinyShape s;
  s.n_layer = 7;
  TinyModel m = make_tiny_model("gemma3", s);
  m.set_arch("attention.sliding_window", 8u).set_arch("rope.freq_base", 1e6f);
  m.set_arch("rope.scaling.type", std::string("linear")).set_arch("rope.scaling.factor", 8.0f);
  Hparams hp = load_hparams(m);
  for (int il = 0; il < 5; ++il) EXPECT_TRUE(hp.is_swa_layer(il)) << il;
  EXPECT_FALSE(hp.is_swa_layer(5));
  EXPECT_TRUE(hp.is_swa_layer(6));
  EXPECT_DOUBLE_EQ(hp.layer_rope(0).freq_base, 10000.0);
  EXPECT_DOUBLE_EQ(hp.layer_rope(0).scale, 1.0);
  EXPECT_DOUBLE_EQ(hp.layer_rope(5).freq_base, 1e6);
  EXPECT_DOUBLE_EQ(hp.layer_rope(5).scale, 8.0);
  EXPECT_FLOAT_EQ(hp.attn_softcap, 0.0f);
  EXPECT_FLOAT_EQ(hp.final_softcap, 0.0f);

  m.set_arch("rope.freq_base_swa", 500.0f).set_arch("attention.sliding_window_pattern", 2u);
  hp = load_hparams(m);
  EXPECT_DOUBLE_EQ(hp.layer_rope(0).freq_base, 500.0);
  EXPECT_TRUE(hp.is_swa_layer(2));
  EXPECT_FALSE(hp.is_swa_layer(3));
}

TEST(Hparams, Phi3SlidesOnEveryLayer) {
  TinyModel m = make_tiny_model("phi3");
  m.set_arch("attention.sliding_window", 2047u);
  const Hparams hp = load_hparams(m);
  EXPECT_TRUE(hp.is_swa_layer(0));
  EXPECT_TRUE(hp.is_swa_layer(1));
  EXPECT_EQ(hp.n_swa, 2047);
}

TEST(Hparams, OnlyTheFamiliesWithWindowsAndCapsReadThem) {
  TinyModel m = make_tiny_model("llama");
  m.set_arch("attention.sliding_window", 4u).set_arch("final_logit_softcapping", 5.0f);
  const Hparams hp = load_hparams(m);
  EXPECT_EQ(hp.n_swa, 0);  // llama.cpp's llama ignores them too
  EXPECT_FALSE(hp.is_swa_layer(0));
  EXPECT_FLOAT_EQ(hp.final_softcap, 0.0f);
  TinyModel g3 = make_tiny_model("gemma3");
  g3.set_arch("final_logit_softcapping", 5.0f);
  EXPECT_FLOAT_EQ(load_hparams(g3).final_softcap, 5.0f);
}

TEST(Hparams, ExpertKeys) {
  TinyModel m = make_tiny_model("qwen2moe");
  Hparams hp = load_hparams(m);
  EXPECT_EQ(hp.n_expert, 4);
  EXPECT_EQ(hp.n_expert_used, 2);
  EXPECT_EQ(hp.n_ff_exp, 12);
  EXPECT_EQ(hp.n_ff_shexp, 20);
  EXPECT_FALSE(hp.expert_weights_norm);
  TinyModel q3 = make_tiny_model("qwen3moe");
  EXPECT_TRUE(load_hparams(q3).expert_weights_norm);
}

TEST(Hparams, RopeScalingTypes) {
  TinyModel m = make_tiny_model("llama");
  m.set_arch("rope.scaling.type", std::string("yarn"));
  Result<std::unique_ptr<Model>> model = m.load();
  ASSERT_FALSE(model.ok());
  EXPECT_EQ(model.status().code(), StatusCode::kUnsupported);
  EXPECT_NE(model.status().to_string().find("yarn"), std::string::npos);

  m.set_arch("rope.scaling.type", std::string("linear")).set_arch("rope.scaling.factor", 4.0f);
  EXPECT_DOUBLE_EQ(load_hparams(m).rope_scale, 4.0);
  m.set_arch("rope.scaling.factor", -1.0f);
  EXPECT_FALSE(m.load().ok());
  m.set_arch("rope.scaling.type", std::string("none"));
  EXPECT_DOUBLE_EQ(load_hparams(m).rope_scale, 1.0);
}

TEST(Hparams, LongRopeKeys) {
  TinyModel m = make_tiny_model("phi3");
  m.set_arch("context_length", 128u);
  m.random("rope_factors_long.weight", {4}, 0.5f, 2.0f).random("rope_factors_short.weight", {4}, 0.1f, 1.0f);
  m.set_arch("rope.scaling.original_context_length", 32u);
  Hparams hp = load_hparams(m);
  EXPECT_TRUE(hp.rope_longrope);
  EXPECT_EQ(hp.rope_n_ctx_orig, 32);
  // Without the attn_factor key: sqrt(1 + ln(128/32) / ln(32)).
  EXPECT_NEAR(hp.rope_attn_factor, std::sqrt(1.0 + std::log(4.0) / std::log(32.0)), 1e-6);
  m.set_arch("rope.scaling.attn_factor", 1.25f);
  EXPECT_FLOAT_EQ(load_hparams(m).rope_attn_factor, 1.25f);
}

TEST(Hparams, BadValuesAreNamed) {
  TinyModel m = make_tiny_model("gemma2");
  m.set_arch("attn_logit_softcapping", -3.0f);
  Result<std::unique_ptr<Model>> model = m.load();
  ASSERT_FALSE(model.ok());
  EXPECT_NE(model.status().to_string().find("gemma2.attn_logit_softcapping"), std::string::npos);

  TinyModel w = make_tiny_model("phi3");
  w.set_arch("attention.sliding_window", std::string("wide"));
  EXPECT_FALSE(w.load().ok());
}

}  // namespace
}  // namespace herd
