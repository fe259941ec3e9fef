// Every family loads from a small in-memory GGUF; a missing, mis-shaped or unknown
// piece gives an error that names it.
#include "model/arch/architectures.h"

#include <gtest/gtest.h>

#include "tiny_model.h"

namespace herd {
namespace {

using test::make_tiny_model;
using test::TinyModel;
using test::TinyShape;

const std::vector<std::string> kArchs = {"llama", "qwen2", "qwen2moe", "qwen3", "qwen3moe", "gemma", "gemma2", "gemma3", "phi3"};

class EveryArch : public ::testing::TestWithParam<std::string> {};

TEST_P(EveryArch, TinyModelLoads) {
  TinyModel m = make_tiny_model(GetParam());
  Result<std::unique_ptr<Model>> model = m.load();
  ASSERT_TRUE(model.ok()) << model.status().to_string();
  EXPECT_EQ((*model)->hparams().arch, GetParam());
  EXPECT_EQ((*model)->hparams().n_vocab, 32);
  EXPECT_EQ((*model)->weights().layers.size(), 2u);
  EXPECT_NE(find_arch_loader(GetParam()), nullptr);
}

TEST_P(EveryArch, MissingTensorIsNamed) {
  TinyModel m = make_tiny_model(GetParam());
  m.erase_tensor("blk.1.attn_norm.weight");
  Result<std::unique_ptr<Model>> model = m.load();
  ASSERT_FALSE(model.ok());
  EXPECT_EQ(model.status().code(), StatusCode::kNotFound);
  EXPECT_NE(model.status().to_string().find("blk.1.attn_norm.weight"), std::string::npos) << model.status().to_string();
}

TEST_P(EveryArch, MisShapedTensorIsNamedWithTheExpectedShape) {
  TinyModel m = make_tiny_model(GetParam());
  m.random("blk.0.attn_output.weight", {16, 17}, 0.1f);
  Result<std::unique_ptr<Model>> model = m.load();
  ASSERT_FALSE(model.ok());
  EXPECT_EQ(model.status().code(), StatusCode::kCorruptFile);
  const std::string msg = model.status().to_string();
  EXPECT_NE(msg.find("blk.0.attn_output.weight"), std::string::npos) << msg;
  EXPECT_NE(msg.find("[16, 17]"), std::string::npos) << msg;
  EXPECT_NE(msg.find("expected [16, 16]"), std::string::npos) << msg;
}

INSTANTIATE_TEST_SUITE_P(Arch, EveryArch, ::testing::ValuesIn(kArchs));

TEST(Architectures, UnknownArchitectureIsUnsupportedAndNamed) {
  TinyModel m = make_tiny_model("llama");
  m.set("general.architecture", std::string("mamba"));
  Result<std::unique_ptr<Model>> model = m.load();
  ASSERT_FALSE(model.ok());
  EXPECT_EQ(model.status().code(), StatusCode::kUnsupported);
  EXPECT_NE(model.status().to_string().find("\"mamba\""), std::string::npos);
  EXPECT_NE(model.status().to_string().find("qwen2moe"), std::string::npos);  // lists what works
  EXPECT_EQ(find_arch_loader("mamba"), nullptr);
}

TEST(Architectures, FamilySpecificTensorsAreRequired) {
  const std::pair<const char*, const char*> cases[] = {
      {"qwen2", "blk.0.attn_k.bias"},
      {"qwen3", "blk.1.attn_q_norm.weight"},
      {"gemma2", "blk.1.post_ffw_norm.weight"},
      {"gemma3", "blk.0.attn_k_norm.weight"},
      {"phi3", "blk.0.attn_qkv.weight"},
      {"qwen2moe", "blk.1.ffn_gate_inp_shexp.weight"},
      {"qwen3moe", "blk.0.ffn_down_exps.weight"},
  };
  for (const auto& [arch, tensor] : cases) {
    TinyModel m = make_tiny_model(arch);
    m.erase_tensor(tensor);
    Result<std::unique_ptr<Model>> model = m.load();
    ASSERT_FALSE(model.ok()) << arch;
    EXPECT_NE(model.status().to_string().find(tensor), std::string::npos) << model.status().to_string();
  }
}

TEST(Architectures, FusedTensorsHaveTheirFusedShape) {
  TinyModel m = make_tiny_model("phi3");
  m.random("blk.0.ffn_up.weight", {16, 24}, 0.1f);  // only the gate half
  Result<std::unique_ptr<Model>> model = m.load();
  ASSERT_FALSE(model.ok());
  EXPECT_NE(model.status().to_string().find("expected [16, 48]"), std::string::npos) << model.status().to_string();
}

TEST(Architectures, ExpertTensorsAreThreeDimensional) {
  TinyModel m = make_tiny_model("qwen3moe");
  m.random("blk.1.ffn_up_exps.weight", {16, 12, 3}, 0.1f);  // 3 experts instead of 4
  Result<std::unique_ptr<Model>> model = m.load();
  ASSERT_FALSE(model.ok());
  EXPECT_EQ(model.status().code(), StatusCode::kCorruptFile);
  EXPECT_NE(model.status().to_string().find("blk.1.ffn_up_exps.weight"), std::string::npos);
  EXPECT_NE(model.status().to_string().find("expected [16, 12, 4]"), std::string::npos) << model.status().to_string();
}

TEST(Architectures, ExpertsNeedTheirCounts) {
  TinyShape s;
  s.n_expert = 4;
  s.n_expert_used = 2;
  TinyModel mixtral = make_tiny_model("llama", s);
  mixtral.erase_key("llama.expert_count").erase_key("llama.expert_used_count");
  Result<std::unique_ptr<Model>> model = mixtral.load();
  ASSERT_FALSE(model.ok());
  EXPECT_NE(model.status().to_string().find("llama.expert_count"), std::string::npos) << model.status().to_string();

  TinyModel qwen = make_tiny_model("qwen2moe");
  qwen.erase_key("qwen2moe.expert_count").erase_key("qwen2moe.expert_used_count");
  EXPECT_FALSE(qwen.load().ok());

  TinyModel too_many = make_tiny_model("qwen3moe");
  too_many.set_arch("expert_used_count", 5u);
  model = too_many.load();
  ASSERT_FALSE(model.ok());
  EXPECT_NE(model.status().to_string().find("expert_used_count"), std::string::npos);
}

TEST(Architectures, MixtralLoadsAsLlamaWithExperts) {
  TinyShape s;
  s.n_expert = 4;
  s.n_expert_used = 2;
  TinyModel m = make_tiny_model("llama", s);
  Result<std::unique_ptr<Model>> model = m.load();
  ASSERT_TRUE(model.ok()) << model.status().to_string();
  const LayerWeights& l = (*model)->weights().layers[0];
  EXPECT_FALSE(present(l.ffn_gate));
  ASSERT_EQ(l.moe.gate_exps.size(), 4u);
  EXPECT_EQ(l.moe.gate_exps[3].n_rows, 24);  // llama experts are n_ff wide
  EXPECT_FALSE(present(l.moe.gate_shexp));
  EXPECT_TRUE((*model)->hparams().expert_weights_norm);
}

TEST(Architectures, SupportedListNamesEveryFamily) {
  const std::string list = supported_architectures();
  for (const std::string& arch : kArchs) EXPECT_NE(list.find(arch), std::string::npos) << arch;
}

}  // namespace
}  // namespace herd
