// The model summary: architecture, parameter count, file type, tensor type mix.
#include <gtest/gtest.h>

#include <cstdio>

#include "../support/shared_data.h"
#include "model/model.h"
#include "tiny_model.h"

namespace herd {
namespace {

TEST(ModelInfo, FileTypeNames) {
  EXPECT_EQ(file_type_name(0), "F32");
  EXPECT_EQ(file_type_name(1), "F16");
  EXPECT_EQ(file_type_name(7), "Q8_0");
  EXPECT_EQ(file_type_name(15), "Q4_K_M");
  EXPECT_EQ(file_type_name(32), "BF16");
  EXPECT_EQ(file_type_name(4), "");
  EXPECT_EQ(file_type_name(-1), "");
}

TEST(ModelInfo, TinyModel) {
  test::TinyModel m = test::make_tiny_model("qwen3moe");
  m.set("general.name", std::string("tiny qwen"));
  Result<std::unique_ptr<Model>> model = m.load();
  ASSERT_TRUE(model.ok()) << model.status().to_string();
  const ModelInfo info = model_info(**model);
  EXPECT_EQ(info.architecture, "qwen3moe");
  EXPECT_EQ(info.name, "tiny qwen");
  EXPECT_EQ(info.n_expert, 4);
  EXPECT_EQ(info.n_expert_used, 2);
  EXPECT_EQ(info.n_layer, 2);
  EXPECT_EQ(info.n_ctx_train, 64);
  EXPECT_EQ(info.file_type, "F32");  // no general.file_type: the commonest matrix type
  int64_t n = 0;
  for (const GgufTensor& t : (*model)->gguf().tensors()) n += static_cast<int64_t>(t.n_elements);
  EXPECT_EQ(info.n_params, n);
  EXPECT_EQ(info.tensor_types.at("F32"), static_cast<int>((*model)->gguf().tensors().size()));
  const std::string line = describe_model(**model);
  EXPECT_NE(line.find("qwen3moe"), std::string::npos) << line;
  EXPECT_NE(line.find("2 of 4 experts"), std::string::npos) << line;
}

TEST(ModelInfo, SharedReferenceModel) {
  const auto path = testing::shared_dir() / "reference" / "logits" / "gemma2-tiny-F16.gguf";
  ASSERT_TRUE(std::filesystem::exists(path)) << "no " << path;
  Result<std::unique_ptr<Model>> model = Model::load(path.string());
  ASSERT_TRUE(model.ok()) << model.status().to_string();
  const ModelInfo info = model_info(**model);
  EXPECT_EQ(info.architecture, "gemma2");
  EXPECT_EQ(info.file_type, "F16");
  EXPECT_EQ(info.tensor_types.at("F16"), 183);
  EXPECT_EQ(info.tensor_types.at("F32"), 105);
  EXPECT_EQ(info.n_swa, 32);
  EXPECT_EQ(info.n_layer, 26);
  EXPECT_EQ(info.file_bytes, 31069632u);
  const std::string line = describe_model(**model);
  std::printf("  %s\n", line.c_str());
  EXPECT_NE(line.find("F16 (F16×183, F32×105)"), std::string::npos) << line;
  EXPECT_NE(line.find("sliding window 32"), std::string::npos) << line;
}

}  // namespace
}  // namespace herd
