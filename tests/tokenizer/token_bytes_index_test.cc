#include "tokenizer/token_bytes_index.h"

#include <gtest/gtest.h>

#include <string>

#include "tokenizer/byte_level.h"
#include "tokenizer_test_util.h"

namespace herd {
namespace {

TEST(TokenBytesIndex, FindsTokensByTheirBytes) {
  VocabParams p;
  p.model = "gpt2";
  // "Ġhi" stands for " hi"; "<tool>" is in the alphabet too; "你" is not (kept out).
  p.tokens = {"h", "i", "\xC4\xA0hi", "<tool>", "\xE4\xBD\xA0", "dup", "dup"};
  Result<Vocab> v = Vocab::create(std::move(p));
  ASSERT_TRUE(v.ok());
  const TokenBytesIndex idx = TokenBytesIndex::build(*v);
  EXPECT_EQ(idx.find("h"), 0);
  EXPECT_EQ(idx.find(" hi"), 2);
  EXPECT_EQ(idx.find("<tool>"), 3);
  EXPECT_EQ(idx.find("\xE4\xBD\xA0"), -1);
  EXPECT_EQ(idx.find("dup"), 6);  // the highest id, as Vocab::find
  EXPECT_EQ(idx.find(""), -1);
  EXPECT_EQ(idx.find("hi"), -1);
}

TEST(TokenBytesIndex, AgreesWithVocabFindOnLlama3) {
  const GgufFile* file = testing::shared_gguf("vocab/ggml-vocab-llama-bpe.gguf");
  ASSERT_NE(file, nullptr);
  Result<Vocab> v = Vocab::from_gguf(*file);
  ASSERT_TRUE(v.ok());
  const TokenBytesIndex idx = TokenBytesIndex::build(*v);
  std::string raw;
  for (int32_t id = 0; id < v->n_tokens(); id += 7) {
    raw.clear();
    byte_level_decode(v->text(id), raw);
    std::string spelled;
    byte_level_encode(raw, spelled);
    const std::optional<int32_t> want = v->find(spelled);
    EXPECT_EQ(idx.find(raw), want ? *want : -1) << id;
  }
}

}  // namespace
}  // namespace herd
