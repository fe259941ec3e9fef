#include "tokenizer/vocab.h"

#include <gtest/gtest.h>

#include <string>
#include <vector>

#include "../gguf/gguf_test_builder.h"
#include "tokenizer_test_util.h"

namespace herd {
namespace {

using testing::shared_gguf;
using testing::small_spm_params;

TEST(Vocab, LlamaSpm) {
  const GgufFile* file = shared_gguf("vocab/ggml-vocab-llama-spm.gguf");
  ASSERT_NE(file, nullptr);
  Result<Vocab> r = Vocab::from_gguf(*file);
  ASSERT_TRUE(r.ok()) << r.status().to_string();
  const Vocab& v = *r;
  EXPECT_EQ(v.n_tokens(), 32000);
  EXPECT_EQ(v.model(), "llama");
  EXPECT_EQ(v.pre(), "default");
  EXPECT_EQ(v.bos_id(), 1);
  EXPECT_EQ(v.eos_id(), 2);
  EXPECT_EQ(v.unk_id(), 0);
  EXPECT_EQ(v.pad_id(), -1);
  EXPECT_EQ(v.eot_id(), -1);
  EXPECT_TRUE(v.add_bos());
  EXPECT_FALSE(v.add_eos());
  EXPECT_TRUE(v.add_space_prefix());
  EXPECT_EQ(v.text(1), "<s>");
  EXPECT_EQ(v.type(0), TokenType::kUnknown);
  EXPECT_EQ(v.type(1), TokenType::kControl);
  EXPECT_EQ(v.type(3), TokenType::kByte);
  EXPECT_EQ(v.type(500), TokenType::kNormal);
  EXPECT_EQ(v.find("<0x0A>"), 13);
  EXPECT_EQ(v.byte_token(0x0A), 13);
  EXPECT_EQ(v.byte_token(0x00), 3);
  EXPECT_EQ(v.byte_token(0xFF), 258);
  EXPECT_EQ(v.find("\xE2\x96\x81"), 29871);
  EXPECT_EQ(v.find("no such token here"), std::nullopt);
  EXPECT_EQ(v.find(""), std::nullopt);
  // Every token finds itself (Llama's texts are unique).
  for (int32_t id = 0; id < v.n_tokens(); ++id) ASSERT_EQ(v.find(v.text(id)), id) << id;
  EXPECT_EQ(v.find("\xE2\x96\x81Hello"), 15043);
  EXPECT_FLOAT_EQ(v.score(15043), -14784.0f);
  EXPECT_FLOAT_EQ(v.score(29871), -1e9f);
  EXPECT_EQ(v.text(-1), "");
  EXPECT_EQ(v.text(32000), "");
  EXPECT_EQ(v.type(32000), TokenType::kUndefined);
  EXPECT_EQ(v.score(-3), 0.0f);
  EXPECT_EQ(std::vector<int32_t>(v.special_tokens().begin(), v.special_tokens().end()),
            (std::vector<int32_t>{0, 2, 1}));  // longest text first: <unk>, </s>, <s>
  EXPECT_TRUE(v.is_end_of_generation(2));
  EXPECT_FALSE(v.is_end_of_generation(1));
  EXPECT_FALSE(v.is_end_of_generation(-1));
}

TEST(Vocab, Stories260K) {
  const GgufFile* file = shared_gguf("stories260K.gguf");
  ASSERT_NE(file, nullptr);
  Result<Vocab> r = Vocab::from_gguf(*file);
  ASSERT_TRUE(r.ok()) << r.status().to_string();
  EXPECT_EQ(r->n_tokens(), 512);
  // No add_bos key: SPM adds BOS by default. pad is 0xFFFFFFFF: none.
  EXPECT_TRUE(r->add_bos());
  EXPECT_FALSE(r->add_eos());
  EXPECT_EQ(r->pad_id(), -1);
  EXPECT_EQ(r->find("\xE2\x96\x81"), 410);
  EXPECT_EQ(r->score(259), 0.0f);
  EXPECT_EQ(r->score(511), -252.0f);
}

TEST(Vocab, Phi3EndOfGeneration) {
  const GgufFile* file = shared_gguf("vocab/ggml-vocab-phi-3.gguf");
  ASSERT_NE(file, nullptr);
  Result<Vocab> r = Vocab::from_gguf(*file);
  ASSERT_TRUE(r.ok()) << r.status().to_string();
  EXPECT_EQ(r->eos_id(), 32000);
  EXPECT_EQ(r->pad_id(), 32000);
  EXPECT_EQ(r->eot_id(), 32007);  // <|end|>
  EXPECT_TRUE(r->is_end_of_generation(32000));
  EXPECT_TRUE(r->is_end_of_generation(32007));
  EXPECT_FALSE(r->is_end_of_generation(2));  // "</s>" is user-defined text here
  EXPECT_FALSE(r->is_end_of_generation(32001));
  EXPECT_EQ(r->type(2), TokenType::kUserDefined);
}

// A vocab-only GGUF with tokenizer keys; each field can be overridden to break it.
struct TinyVocabFile {
  std::vector<std::string> tokens = {"<unk>", "<s>", "</s>", "\xE2\x96\x81", "a"};
  std::vector<float> scores = {0, 0, 0, -1, -2};
  std::vector<int32_t> types = {2, 3, 3, 1, 1};
  std::string model = "llama";
  int64_t bos = 1;  // -2: leave the key out
  int64_t eos = 2;
  int64_t pad = -2;
  bool with_model = true;

  std::vector<uint8_t> build() const {
    test::GgufBuilder b;
    const uint64_t n_kv = 3 + (with_model ? 1 : 0) + (bos != -2) + (eos != -2) + (pad != -2);
    b.header(3, 0, n_kv);
    if (with_model) b.kv_string("tokenizer.ggml.model", model);
    b.key("tokenizer.ggml.tokens", GgufType::kArray).array_header(GgufType::kString, tokens.size());
    for (const std::string& t : tokens) b.str(t);
    b.key("tokenizer.ggml.scores", GgufType::kArray).array_header(GgufType::kFloat32, scores.size());
    for (float s : scores) b.f32(s);
    b.key("tokenizer.ggml.token_type", GgufType::kArray).array_header(GgufType::kInt32, types.size());
    for (int32_t t : types) b.i32(t);
    if (bos != -2) b.kv_u32("tokenizer.ggml.bos_token_id", static_cast<uint32_t>(bos));
    if (eos != -2) b.kv_u32("tokenizer.ggml.eos_token_id", static_cast<uint32_t>(eos));
    if (pad != -2) b.kv_u32("tokenizer.ggml.padding_token_id", static_cast<uint32_t>(pad));
    b.pad_to(32);
    return b.bytes();
  }
};

Result<Vocab> vocab_of(const TinyVocabFile& spec, std::vector<uint8_t>& storage) {
  storage = spec.build();
  Result<std::unique_ptr<GgufFile>> f = GgufFile::parse(storage);
  if (!f.ok()) {
    ADD_FAILURE() << "builder wrote a bad GGUF: " << f.status().to_string();
    return f.status();
  }
  return Vocab::from_gguf(**f);
}

TEST(Vocab, FromBuiltGguf) {
  std::vector<uint8_t> bytes;
  TinyVocabFile spec;
  spec.pad = 0xFFFFFFFF;
  Result<Vocab> r = vocab_of(spec, bytes);
  ASSERT_TRUE(r.ok()) << r.status().to_string();
  EXPECT_EQ(r->n_tokens(), 5);
  EXPECT_EQ(r->find("a"), 4);
  EXPECT_EQ(r->pad_id(), -1);
  EXPECT_EQ(r->unk_id(), 0);  // SPM default
  EXPECT_EQ(r->byte_token('a'), -1);
}

TEST(Vocab, ScoresLengthMismatchIsAnError) {
  std::vector<uint8_t> bytes;
  TinyVocabFile spec;
  spec.scores.pop_back();
  Result<Vocab> r = vocab_of(spec, bytes);
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.status().code(), StatusCode::kCorruptFile);
  EXPECT_NE(r.status().message().find("tokenizer.ggml.scores"), std::string::npos)
      << r.status().message();
}

TEST(Vocab, TypesLengthMismatchIsAnError) {
  std::vector<uint8_t> bytes;
  TinyVocabFile spec;
  spec.types.push_back(1);
  Result<Vocab> r = vocab_of(spec, bytes);
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.status().code(), StatusCode::kCorruptFile);
}

TEST(Vocab, BadTokenTypeIsAnError) {
  std::vector<uint8_t> bytes;
  TinyVocabFile spec;
  spec.types[4] = 9;
  Result<Vocab> r = vocab_of(spec, bytes);
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.status().code(), StatusCode::kCorruptFile);
}

TEST(Vocab, SpecialIdOutOfRangeIsAnError) {
  for (int which = 0; which < 2; ++which) {
    std::vector<uint8_t> bytes;
    TinyVocabFile spec;
    (which == 0 ? spec.bos : spec.eos) = 5;
    Result<Vocab> r = vocab_of(spec, bytes);
    ASSERT_FALSE(r.ok());
    EXPECT_EQ(r.status().code(), StatusCode::kCorruptFile);
    EXPECT_NE(r.status().message().find(which == 0 ? "bos" : "eos"), std::string::npos)
        << r.status().message();
  }
}

TEST(Vocab, OptionalIdsOutOfRangeAreNone) {
  // Files in the wild carry e.g. a pad id equal to n_vocab; that must not stop a load.
  std::vector<uint8_t> bytes;
  TinyVocabFile spec;
  spec.pad = 5;
  Result<Vocab> r = vocab_of(spec, bytes);
  ASSERT_TRUE(r.ok()) << r.status().to_string();
  EXPECT_EQ(r->pad_id(), -1);
}

TEST(Vocab, DefaultIdsPastATinyVocabAreNone) {
  std::vector<uint8_t> bytes;
  TinyVocabFile spec;
  spec.tokens = {"a"};
  spec.scores = {0};
  spec.types = {1};
  spec.bos = spec.eos = -2;
  Result<Vocab> r = vocab_of(spec, bytes);
  ASSERT_TRUE(r.ok()) << r.status().to_string();
  EXPECT_EQ(r->bos_id(), -1);
  EXPECT_EQ(r->eos_id(), -1);
  EXPECT_EQ(r->unk_id(), 0);
  EXPECT_FALSE(r->add_bos());  // nothing to add
}

TEST(Vocab, MissingKeysAreErrors) {
  {
    std::vector<uint8_t> bytes;
    TinyVocabFile spec;
    spec.with_model = false;
    Result<Vocab> r = vocab_of(spec, bytes);
    ASSERT_FALSE(r.ok());
    EXPECT_EQ(r.status().code(), StatusCode::kNotFound);
  }
  {
    test::GgufBuilder b;
    b.header(3, 0, 1).kv_string("tokenizer.ggml.model", "llama");
    Result<std::unique_ptr<GgufFile>> f = GgufFile::parse(b.span());
    ASSERT_TRUE(f.ok()) << f.status().to_string();
    Result<Vocab> r = Vocab::from_gguf(**f);
    ASSERT_FALSE(r.ok());
    EXPECT_EQ(r.status().code(), StatusCode::kNotFound);
  }
  {
    std::vector<uint8_t> bytes;
    TinyVocabFile spec;
    spec.tokens.clear();
    spec.scores.clear();
    spec.types.clear();
    spec.bos = spec.eos = -2;
    Result<Vocab> r = vocab_of(spec, bytes);
    ASSERT_FALSE(r.ok());
    EXPECT_EQ(r.status().code(), StatusCode::kCorruptFile);
  }
}

TEST(Vocab, WrongValueTypeIsAnError) {
  test::GgufBuilder b;
  b.header(3, 0, 3).kv_string("tokenizer.ggml.model", "llama");
  b.key("tokenizer.ggml.tokens", GgufType::kArray).array_header(GgufType::kString, 2).str("a").str("b");
  b.key("tokenizer.ggml.scores", GgufType::kArray).array_header(GgufType::kInt32, 2).i32(0).i32(1);
  Result<std::unique_ptr<GgufFile>> f = GgufFile::parse(b.span());
  ASSERT_TRUE(f.ok()) << f.status().to_string();
  Result<Vocab> r = Vocab::from_gguf(**f);
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.status().code(), StatusCode::kCorruptFile);
}

TEST(Vocab, CreateValidates) {
  EXPECT_EQ(Vocab::create(VocabParams{}).status().code(), StatusCode::kInvalidArgument);
  VocabParams p = small_spm_params({{"a", 0}}, false);
  p.scores.pop_back();
  EXPECT_EQ(Vocab::create(p).status().code(), StatusCode::kInvalidArgument);
  p = small_spm_params({{"a", 0}}, false);
  p.types.push_back(TokenType::kNormal);
  EXPECT_EQ(Vocab::create(p).status().code(), StatusCode::kInvalidArgument);
  p = small_spm_params({{"a", 0}}, false);
  p.eos_id = 4;
  EXPECT_EQ(Vocab::create(p).status().code(), StatusCode::kInvalidArgument);
  p = small_spm_params({{"a", 0}}, false);
  p.unk_id = -7;
  EXPECT_EQ(Vocab::create(p).status().code(), StatusCode::kInvalidArgument);
  p = small_spm_params({{"a", 0}}, false);
  p.scores.clear();
  p.types.clear();
  Result<Vocab> ok = Vocab::create(p);
  ASSERT_TRUE(ok.ok());
  EXPECT_EQ(ok->type(1), TokenType::kNormal);
  EXPECT_EQ(ok->score(3), 0.0f);
}

TEST(Vocab, DuplicateTextFindsLastIdAndCopiesStayValid) {
  VocabParams p = small_spm_params({{"x", 0}, {"y", 0}, {"x", 0}}, true);
  Result<Vocab> r = Vocab::create(p);
  ASSERT_TRUE(r.ok());
  EXPECT_EQ(r->find("x"), 5);
  EXPECT_EQ(r->byte_token(0x41), 6 + 0x41);
  Vocab copy = *r;
  Vocab moved = std::move(copy);
  EXPECT_EQ(moved.find("y"), 4);
  EXPECT_EQ(moved.text(4), "y");
  EXPECT_EQ(moved.find("<0x41>"), 6 + 0x41);
}

TEST(Vocab, TokenTypeNames) {
  EXPECT_EQ(token_type_name(TokenType::kByte), "byte");
  EXPECT_EQ(token_type_name(TokenType::kUserDefined), "user-defined");
  EXPECT_EQ(token_type_name(static_cast<TokenType>(42)), "?");
}

TEST(Vocab, Gpt2BpeReadsMerges) {
  const GgufFile* file = shared_gguf("vocab/ggml-vocab-gpt-2.gguf");
  ASSERT_NE(file, nullptr);
  Result<Vocab> r = Vocab::from_gguf(*file);
  ASSERT_TRUE(r.ok()) << r.status().to_string();
  EXPECT_EQ(r->model(), "gpt2");
  EXPECT_EQ(r->pre(), "gpt-2");
  ASSERT_EQ(r->merges().size(), 50000u);
  EXPECT_EQ(r->merges()[0], "\xC4\xA0 t");  // "Ġ t"
  EXPECT_EQ(r->bos_id(), 50256);
  EXPECT_FALSE(r->add_bos());
  EXPECT_FALSE(r->add_space_prefix());
}

TEST(Vocab, BpeAddBosDefaultsByPreTokenizer) {
  // llama-bpe has no add_bos_token key; llama.cpp adds BOS for Llama 3 by default.
  Result<Vocab> llama3 = Vocab::from_gguf(*shared_gguf("vocab/ggml-vocab-llama-bpe.gguf"));
  ASSERT_TRUE(llama3.ok());
  EXPECT_TRUE(llama3->add_bos());
  EXPECT_EQ(llama3->bos_id(), 128000);
  EXPECT_EQ(llama3->eot_id(), 128009);  // <|eot_id|>, found by its text
  // qwen2 says add_bos_token = false.
  Result<Vocab> qwen2 = Vocab::from_gguf(*shared_gguf("vocab/ggml-vocab-qwen2.gguf"));
  ASSERT_TRUE(qwen2.ok());
  EXPECT_FALSE(qwen2->add_bos());
  // deepseek-coder says add_bos_token = true.
  Result<Vocab> coder = Vocab::from_gguf(*shared_gguf("vocab/ggml-vocab-deepseek-coder.gguf"));
  ASSERT_TRUE(coder.ok());
  EXPECT_TRUE(coder->add_bos());
}

TEST(Vocab, BertUsesClsAndSep) {
  Result<Vocab> r = Vocab::from_gguf(*shared_gguf("vocab/ggml-vocab-bert-bge.gguf"));
  ASSERT_TRUE(r.ok()) << r.status().to_string();
  EXPECT_EQ(r->model(), "bert");
  EXPECT_EQ(r->bos_id(), 101);  // [CLS]
  EXPECT_EQ(r->eos_id(), 102);  // [SEP]
  EXPECT_EQ(r->unk_id(), 100);
  EXPECT_TRUE(r->add_bos());
  EXPECT_TRUE(r->add_eos());
  EXPECT_TRUE(r->add_space_prefix());
  EXPECT_TRUE(r->merges().empty());
}

}  // namespace
}  // namespace herd
