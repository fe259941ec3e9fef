// The mixes of quant_recipe.h against every reference file llama-quantize made: the same
// type for every tensor (pure logic: no quantizer is needed for this test).
#include "convert/quant_recipe.h"

#include <gtest/gtest.h>

#include <algorithm>
#include <filesystem>

#include "../support/shared_data.h"

namespace herd {
namespace {

namespace fs = std::filesystem;

TEST(QuantRecipe, FileTypeNames) {
  ASSERT_TRUE(file_type_from_name("q4_k_m").has_value());
  EXPECT_EQ(file_type_from_name("q4_k_m")->id, 15u);
  EXPECT_EQ(file_type_from_name("Q4_K")->name, "Q4_K_M");
  EXPECT_EQ(file_type_from_name("Q8_0")->base, DType::kQ8_0);
  EXPECT_EQ(file_type_from_name("BF16")->id, 32u);
  EXPECT_FALSE(file_type_from_name("Q9_9").has_value());
  EXPECT_NE(file_type_names().find("Q5_K_M"), std::string::npos);
}

TEST(QuantRecipe, LayerOf) {
  EXPECT_EQ(layer_of("blk.0.attn_v.weight"), 0);
  EXPECT_EQ(layer_of("blk.31.ffn_down.weight"), 31);
  EXPECT_EQ(layer_of("output.weight"), -1);
  EXPECT_EQ(layer_of("blk.x.attn_v.weight"), -1);
  EXPECT_EQ(layer_of("blk.3"), -1);
}

TEST(QuantRecipe, OneDimensionalAndRouterTensorsKeepTheirType) {
  const FileType q4 = *file_type_from_name("Q4_K_M");
  const RecipeModel m{32, 32, 8, true};
  EXPECT_EQ(tensor_type_for(q4, m, "blk.0.attn_norm.weight", {4096}, DType::kF32), DType::kF32);
  EXPECT_EQ(tensor_type_for(q4, m, "blk.0.attn_q.bias", {4096}, DType::kF32), DType::kF32);
  EXPECT_EQ(tensor_type_for(q4, m, "blk.0.ffn_gate_inp.weight", {4096, 8}, DType::kF32), DType::kF32);
  EXPECT_EQ(tensor_type_for(q4, m, "blk.0.x.weight", {4096, 1}, DType::kF16), DType::kF16);
  EXPECT_EQ(tensor_type_for(q4, m, "blk.0.attn_q.weight", {4096, 4096}, DType::kF32), DType::kQ4_K);
}

TEST(QuantRecipe, RowsThatAreNotWholeBlocksFallBack) {
  const RecipeModel m{2, 4, 2, true};
  EXPECT_EQ(tensor_type_for(*file_type_from_name("Q4_K_M"), m, "blk.0.attn_q.weight", {96, 96}, DType::kF32),
            DType::kQ5_0);
  EXPECT_EQ(tensor_type_for(*file_type_from_name("Q4_0"), m, "output.weight", {96, 1000}, DType::kF32),
            DType::kQ8_0);
  EXPECT_EQ(tensor_type_for(*file_type_from_name("Q5_K_M"), m, "blk.0.ffn_up.weight", {96, 96}, DType::kF32),
            DType::kQ5_1);
  EXPECT_EQ(tensor_type_for(*file_type_from_name("Q2_K"), m, "blk.0.attn_q.weight", {96, 96}, DType::kF32),
            DType::kIQ4_NL);
  EXPECT_EQ(tensor_type_for(*file_type_from_name("Q4_0"), m, "blk.0.attn_q.weight", {40, 40}, DType::kF32),
            DType::kF16);
}

TEST(QuantRecipe, TiedEmbeddingIsTreatedAsTheOutput) {
  const RecipeModel tied{24, 14, 2, false};
  EXPECT_EQ(tensor_type_for(*file_type_from_name("Q4_0"), tied, "token_embd.weight", {1024, 151936}, DType::kF32),
            DType::kQ6_K);
  // Qwen2-0.5B's 896 is not whole 256-blocks: Q6_K falls back to Q8_0.
  EXPECT_EQ(tensor_type_for(*file_type_from_name("Q4_0"), tied, "token_embd.weight", {896, 151936}, DType::kF32),
            DType::kQ8_0);
  const RecipeModel untied{24, 14, 2, true};
  EXPECT_EQ(tensor_type_for(*file_type_from_name("Q4_0"), untied, "token_embd.weight", {896, 151936}, DType::kF32),
            DType::kQ4_0);
}

TEST(QuantRecipe, LargerModelMixes) {
  const RecipeModel m{32, 32, 32, true};
  const FileType q4km = *file_type_from_name("Q4_K_M");
  // More bits: layers 0-3, 28-31, and every third layer from 6.
  int n_q6 = 0;
  for (int il = 0; il < 32; ++il) {
    n_q6 += tensor_type_for(q4km, m, "blk." + std::to_string(il) + ".attn_v.weight", {4096, 4096}, DType::kF32) ==
            DType::kQ6_K;
  }
  EXPECT_EQ(n_q6, 16);
  EXPECT_EQ(tensor_type_for(q4km, m, "blk.0.ffn_down.weight", {11008, 4096}, DType::kF32), DType::kQ6_K);
  EXPECT_EQ(tensor_type_for(q4km, m, "blk.4.ffn_down.weight", {11008, 4096}, DType::kF32), DType::kQ4_K);
  EXPECT_EQ(tensor_type_for(q4km, m, "blk.6.ffn_down.weight", {11008, 4096}, DType::kF32), DType::kQ6_K);
  const FileType q3km = *file_type_from_name("Q3_K_M");
  EXPECT_EQ(tensor_type_for(q3km, m, "blk.0.attn_v.weight", {4096, 4096}, DType::kF32), DType::kQ5_K);
  EXPECT_EQ(tensor_type_for(q3km, m, "blk.2.attn_v.weight", {4096, 4096}, DType::kF32), DType::kQ4_K);
  EXPECT_EQ(tensor_type_for(q3km, m, "blk.1.ffn_down.weight", {11008, 4096}, DType::kF32), DType::kQ5_K);
  EXPECT_EQ(tensor_type_for(q3km, m, "blk.2.ffn_down.weight", {11008, 4096}, DType::kF32), DType::kQ4_K);
  EXPECT_EQ(tensor_type_for(q3km, m, "blk.2.attn_output.weight", {4096, 4096}, DType::kF32), DType::kQ4_K);
  EXPECT_EQ(tensor_type_for(q3km, m, "blk.2.attn_q.weight", {4096, 4096}, DType::kF32), DType::kQ3_K);
  const FileType q4ks = *file_type_from_name("Q4_K_S");
  EXPECT_EQ(tensor_type_for(q4ks, m, "blk.3.attn_v.weight", {4096, 4096}, DType::kF32), DType::kQ5_K);
  EXPECT_EQ(tensor_type_for(q4ks, m, "blk.4.attn_v.weight", {4096, 4096}, DType::kF32), DType::kQ4_K);
  EXPECT_EQ(tensor_type_for(q4ks, m, "blk.3.ffn_down.weight", {11008, 4096}, DType::kF32), DType::kQ5_K);
  EXPECT_EQ(tensor_type_for(q4ks, m, "blk.4.ffn_down.weight", {11008, 4096}, DType::kF32), DType::kQ4_K);
  const RecipeModel gqa8{80, 64, 8, true};
  EXPECT_EQ(tensor_type_for(*file_type_from_name("Q2_K"), gqa8, "blk.9.attn_v.weight", {8192, 1024}, DType::kF32),
            DType::kQ4_K);
}

// Every reference file llama-quantize wrote from an F32 master: our mix, tensor by tensor.
TEST(QuantRecipe, MatchesEveryReferenceMix) {
  const fs::path dir = testing::shared_dir() / "reference" / "logits";
  ASSERT_TRUE(fs::is_directory(dir)) << "no shared reference data";
  int n_files = 0;
  for (const auto& entry : fs::directory_iterator(dir)) {
    if (entry.path().extension() != ".json") continue;
    const nlohmann::json j = testing::read_json(entry.path());
    const std::optional<FileType> ft = file_type_from_name(j["ftype"].get<std::string>());
    if (!ft || ft->name == "F32" || !j["synthetic"].get<bool>()) continue;
    SCOPED_TRACE(entry.path().filename().string());
    ++n_files;
    const nlohmann::json& hp = j["hparams"];
    RecipeModel m;
    m.n_layer = hp["n_layer"];
    m.n_head = hp["n_head"];
    m.n_head_kv = hp["n_head_kv"];
    m.has_output = false;
    for (const auto& t : j["tensors"]) m.has_output |= t["name"] == "output.weight";
    for (const auto& t : j["tensors"]) {
      const std::string name = t["name"];
      const std::vector<uint64_t> dims = t["ne"];
      const DType got = tensor_type_for(*ft, m, name, dims, DType::kF32);
      EXPECT_EQ(dtype_name(got), t["type"].get<std::string>()) << name;
    }
  }
  EXPECT_GE(n_files, 20);
}

}  // namespace
}  // namespace herd
