// The Hugging Face file list and the choice of a quant (no network; the pulls themselves are
// in model_pull_test.cc).
#include "store/hf_client.h"

#include <gtest/gtest.h>

namespace herd::store {
namespace {

TEST(HfClientTest, TheFileListIsParsedWithCare) {
  Result<std::vector<HfFile>> files = parse_hf_tree(
      R"([{"type":"file","path":"a-Q4_K_M.gguf","size":3,"lfs":{"oid":")" + std::string(64, 'a') +
      R"(","size":5}},{"type":"file","path":"../x.gguf","size":1},{"type":"file","path":"b c.gguf"},)"
      R"({"type":"directory","path":"d"},{"type":"file","path":"d/mmproj-Q4_K_M.gguf"},{"type":"file","path":"d/b-Q8_0.GGUF"}])");
  ASSERT_TRUE(files.ok()) << files.status().to_string();
  ASSERT_EQ(files->size(), 3u);
  EXPECT_EQ((*files)[0].size, 5u);
  ASSERT_TRUE((*files)[0].digest.has_value());
  EXPECT_EQ(choose_hf_gguf(*files, "latest")->path, "a-Q4_K_M.gguf");
  EXPECT_EQ(choose_hf_gguf(*files, "q8_0")->path, "d/b-Q8_0.GGUF");
  EXPECT_FALSE(parse_hf_tree(R"({"not":"an array"})").ok());
  EXPECT_FALSE(parse_hf_tree(R"([{"type":"file","path":"x.gguf","lfs":{"oid":"../../x"}}])").ok());
}

TEST(HfClientTest, QuantsAreChosenByName) {
  const std::vector<HfFile> files = {{"x-Q8_0.gguf", 1, std::nullopt}, {"x-F16.gguf", 1, std::nullopt},
                                     {"README.md", 1, std::nullopt}, {"mmproj-x-f16.gguf", 1, std::nullopt}};
  EXPECT_EQ(choose_hf_gguf(files, "latest")->path, "x-Q8_0.gguf");
  EXPECT_EQ(choose_hf_gguf(files, "F16")->path, "x-F16.gguf") << "the projector is never the model";
  const std::vector<HfFile> close = {{"m-Q4_K_S.gguf", 1, std::nullopt}, {"m-Q4_K.gguf", 1, std::nullopt},
                                     {"m-Q4_K_M.gguf", 1, std::nullopt}};
  EXPECT_EQ(choose_hf_gguf(close, "q4_k_m")->path, "m-Q4_K_M.gguf");
  EXPECT_EQ(choose_hf_gguf(close, "latest")->path, "m-Q4_K_M.gguf");
  EXPECT_FALSE(choose_hf_gguf(close, "Q4_0").ok()) << "a quant is matched as a whole word";
  const std::vector<HfFile> plain = {{"b.gguf", 1, std::nullopt}, {"a.gguf", 1, std::nullopt}};
  EXPECT_EQ(choose_hf_gguf(plain, "latest")->path, "b.gguf");
  Result<HfFile> none = choose_hf_gguf(files, "Q2_K");
  ASSERT_FALSE(none.ok());
  EXPECT_EQ(none.status().code(), StatusCode::kNotFound);
  EXPECT_FALSE(choose_hf_gguf({{"README.md", 1, std::nullopt}}, "latest").ok());
}

}  // namespace
}  // namespace herd::store
