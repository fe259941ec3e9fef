#include <gtest/gtest.h>

#include <string>

#include "gguf/gguf_file.h"
#include "gguf_test_builder.h"

namespace herd {
namespace {

using test::GgufBuilder;

bool has_line(const std::string& text, const std::string& needle) {
  return text.find(needle) != std::string::npos;
}

#define EXPECT_HAS(text, needle) EXPECT_TRUE(has_line(text, needle)) << "wanted: " << (needle) << "\nin:\n" << (text)

TEST(GgufDescribe, TinyFile) {
  const auto bytes = test::tiny_gguf();
  auto f = GgufFile::parse(bytes);
  ASSERT_TRUE(f.ok()) << f.status().to_string();
  const std::string text = describe_gguf(**f);
  EXPECT_HAS(text, "GGUF version: 3\n");
  EXPECT_HAS(text, "alignment:    32\n");
  EXPECT_HAS(text, "data offset:  " + std::to_string((*f)->data_offset()) + "\n");
  EXPECT_HAS(text, "metadata: 9 keys\n");
  EXPECT_HAS(text, "general.architecture  ");
  EXPECT_HAS(text, "string  \"llama\"\n");
  EXPECT_HAS(text, "u32     4\n");
  EXPECT_HAS(text, "f32     1e-05\n");
  EXPECT_HAS(text, "bool    true\n");
  EXPECT_HAS(text, "i8      -2\n");
  EXPECT_HAS(text, "u64     1099511627776\n");
  EXPECT_HAS(text, "f64     3.25\n");
  EXPECT_HAS(text, "array   [3 strings] \"<unk>\", \"<s>\", \"</s>\"\n");
  EXPECT_HAS(text, "array   [2 arrays] [2 i16: 1, -1], [0 u8]\n");
  EXPECT_HAS(text, "tensors: 3 (116 bytes)\n");
  const std::string d = std::to_string((*f)->data_offset());
  EXPECT_HAS(text, "name      type  shape    offset  bytes\n");
  EXPECT_HAS(text, "a.weight  F32   [4, 2]   " + d + "     32\n");
  EXPECT_HAS(text, "b.weight  Q8_0  [32, 2]  " + std::to_string((*f)->data_offset() + 32));
  EXPECT_HAS(text, "c.norm    F16   [8]      ");
}

TEST(GgufDescribe, LongArraysAndStringsAreCut) {
  GgufBuilder b;
  b.header(3, 0, 4);
  b.key("tokens", GgufType::kArray).array_header(GgufType::kString, 5);
  for (const char* s : {"<unk>", "<s>", "</s>", "a", "b"}) b.str(s);
  b.key("ids", GgufType::kArray).array_header(GgufType::kUint32, 10);
  for (uint32_t k = 0; k < 10; ++k) b.u32(k);
  b.kv_string("template", std::string(300, 'x') + "\n\x1b");
  b.key("grid", GgufType::kArray).array_header(GgufType::kArray, 4);
  for (int k = 0; k < 4; ++k) {
    b.array_header(GgufType::kFloat32, 5);
    for (int j = 0; j < 5; ++j) b.f32(0.5f * j);
  }
  auto f = GgufFile::parse(b.span());
  ASSERT_TRUE(f.ok()) << f.status().to_string();
  const std::string text = describe_gguf(**f);
  EXPECT_HAS(text, "[5 strings] \"<unk>\", \"<s>\", \"</s>\", ...\n");
  EXPECT_HAS(text, "[10 u32] 0, 1, 2, 3, 4, 5, 6, 7, ...\n");
  EXPECT_HAS(text, "\"" + std::string(200, 'x') + "\"... (302 bytes)\n");
  EXPECT_HAS(text, "[4 arrays] [5 f32: 0, 0.5, 1, ...], [5 f32: 0, 0.5, 1, ...], [5 f32: 0, 0.5, 1, ...], ...\n");
  EXPECT_HAS(text, "tensors: 0 (0 bytes)\n");
}

TEST(GgufDescribe, HostileNamesAreEscaped) {
  GgufBuilder b;
  b.header(3, 1, 1).kv_u32("k\x1b[31m", 1).tensor_info("t\n\xff", {8}, 0, 0).pad_to(32).zeros(32);
  auto f = GgufFile::parse(b.span());
  ASSERT_TRUE(f.ok()) << f.status().to_string();
  const std::string text = describe_gguf(**f);
  EXPECT_EQ(text.find('\x1b'), std::string::npos);
  EXPECT_HAS(text, "k\\x1b[31m");
  EXPECT_HAS(text, "t\\n\\xff");
}

TEST(GgufDescribe, Stories260K) {
  auto f = GgufFile::open(std::string(HERD_SHARED_DIR) + "/models/stories260K.gguf");
  ASSERT_TRUE(f.ok()) << f.status().to_string();
  const std::string text = describe_gguf(**f);
  EXPECT_HAS(text, "data offset:  14176\n");
  EXPECT_HAS(text, "metadata: 19 keys\n");
  EXPECT_HAS(text, "[512 strings] \"<unk>\", \"<s>\", \"</s>\", ...\n");
  EXPECT_HAS(text, "tensors: 48 (1171200 bytes)\n");
  const GgufTensor* embd = (*f)->find_tensor("token_embd.weight");
  ASSERT_NE(embd, nullptr);
  EXPECT_HAS(text, "token_embd.weight");
  EXPECT_HAS(text, "[64, 512]  " + std::to_string(14176 + embd->offset));
}

}  // namespace
}  // namespace herd
