// Real vocabularies with one field corrupted: each is refused with an error naming it
// instead of loading into a tokenizer that silently misbehaves.
#include <gtest/gtest.h>

#include <cmath>
#include <limits>

#include "gguf/gguf_image.h"
#include "tokenizer/tokenizer.h"
#include "tokenizer_test_util.h"

namespace herd {
namespace {

using testing::shared_gguf;

// Rebuilds the image's bytes into storage and loads a tokenizer from them.
Result<std::unique_ptr<Tokenizer>> tokenizer_of(const GgufImage& img, std::vector<uint8_t>& storage) {
  storage = img.bytes();
  HERD_ASSIGN_OR_RETURN(std::unique_ptr<GgufFile> f, GgufFile::parse(storage));
  return Tokenizer::from_gguf(*f);
}

void expect_refused(const GgufImage& img, const std::string& message) {
  std::vector<uint8_t> storage;
  Result<std::unique_ptr<Tokenizer>> t = tokenizer_of(img, storage);
  ASSERT_FALSE(t.ok()) << "loaded";
  EXPECT_EQ(t.status().code(), StatusCode::kCorruptFile) << t.status().to_string();
  EXPECT_EQ(t.status().message(), message);
}

TEST(CorruptVocab, UnchangedImagesLoad) {
  for (const char* rel : {"stories260K.gguf", "vocab/ggml-vocab-gpt-2.gguf"}) {
    const GgufFile* f = shared_gguf(rel);
    ASSERT_NE(f, nullptr);
    std::vector<uint8_t> storage;
    Result<std::unique_ptr<Tokenizer>> t = tokenizer_of(GgufImage::from(*f), storage);
    EXPECT_TRUE(t.ok()) << rel << ": " << t.status().to_string();
  }
}

// An SPM model relabelled as BPE has no merges: every word would fall apart into bytes.
TEST(CorruptVocab, Gpt2WithoutMergesIsRefused) {
  const GgufFile* spm = shared_gguf("stories260K.gguf");
  ASSERT_NE(spm, nullptr);
  GgufImage img = GgufImage::from(*spm);
  img.set("tokenizer.ggml.model", GgufMetaValue::of_string("gpt2"));
  expect_refused(img, "tokenizer.ggml.model is \"gpt2\" (BPE) but tokenizer.ggml.merges is missing");

  const GgufFile* bpe = shared_gguf("vocab/ggml-vocab-gpt-2.gguf");
  ASSERT_NE(bpe, nullptr);
  GgufImage no_merges = GgufImage::from(*bpe);
  ASSERT_TRUE(no_merges.remove("tokenizer.ggml.merges"));
  expect_refused(no_merges, "tokenizer.ggml.model is \"gpt2\" (BPE) but tokenizer.ggml.merges is missing");

  GgufImage empty = GgufImage::from(*bpe);
  empty.find("tokenizer.ggml.merges")->array.clear();
  expect_refused(empty, "tokenizer.ggml.model is \"gpt2\" (BPE) but tokenizer.ggml.merges is empty");
}

TEST(CorruptVocab, NonFiniteScoresAreRefused) {
  const GgufFile* spm = shared_gguf("stories260K.gguf");
  ASSERT_NE(spm, nullptr);
  GgufImage img = GgufImage::from(*spm);
  GgufMetaValue* scores = img.find("tokenizer.ggml.scores");
  ASSERT_NE(scores, nullptr);
  scores->array[300].f = std::numeric_limits<double>::quiet_NaN();
  expect_refused(img, "tokenizer.ggml.scores[300] = nan is not a finite number");
  scores->array[300].f = -std::numeric_limits<double>::infinity();
  expect_refused(img, "tokenizer.ggml.scores[300] = -inf is not a finite number");
  scores->array[300].f = 1e39;  // finite as a double, infinite as the float32 stored
  expect_refused(img, "tokenizer.ggml.scores[300] = inf is not a finite number");
}

TEST(CorruptVocab, TokenArraysOfDifferentLengthsAreRefused) {
  const GgufFile* spm = shared_gguf("stories260K.gguf");
  ASSERT_NE(spm, nullptr);
  GgufImage img = GgufImage::from(*spm);
  img.find("tokenizer.ggml.token_type")->array.pop_back();
  expect_refused(img, "tokenizer.ggml.token_type has 511 entries but tokenizer.ggml.tokens has 512");
}

}  // namespace
}  // namespace herd
