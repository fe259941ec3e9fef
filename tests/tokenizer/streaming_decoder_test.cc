#include "tokenizer/streaming_decoder.h"

#include <gtest/gtest.h>

#include <string>
#include <vector>

#include "tokenizer/utf8.h"
#include "tokenizer_test_util.h"

namespace herd {
namespace {

using testing::shared_tokenizer;

bool is_valid_utf8(std::string_view s) { return utf8_sanitize(s) == s; }

std::string stream(const Tokenizer& tok, const std::vector<int32_t>& ids,
                   bool render_special = false) {
  StreamingDecoder dec(tok, render_special);
  std::string out;
  for (int32_t id : ids) {
    const std::string part = dec.push(id);
    EXPECT_TRUE(is_valid_utf8(part)) << "push emitted a partial character";
    out += part;
  }
  out += dec.finish();
  return out;
}

TEST(StreamingDecoder, MatchesDecodeOnAllVectors) {
  for (const char* vocab : {"ggml-vocab-llama-spm", "ggml-vocab-phi-3"}) {
    const Tokenizer* tok = shared_tokenizer(std::string("vocab/") + vocab + ".gguf");
    ASSERT_NE(tok, nullptr);
    for (const testing::VectorCase& c : testing::read_vectors(vocab)) {
      for (bool add_special : {false, true}) {
        const std::vector<int32_t> ids = tok->encode(c.text, add_special, false);
        EXPECT_EQ(stream(*tok, ids), tok->decode(ids)) << c.text;
        EXPECT_EQ(stream(*tok, ids, true), tok->decode(ids, true)) << c.text;
        EXPECT_EQ(stream(*tok, ids), c.text);
      }
    }
  }
}

TEST(StreamingDecoder, HoldsBackEmojiSplitAcrossByteTokens) {
  const Tokenizer* tok = shared_tokenizer("vocab/ggml-vocab-llama-spm.gguf");
  ASSERT_NE(tok, nullptr);
  const Vocab& v = tok->vocab();
  // 🦙 (U+1F999) has no piece in Llama's vocab: F0 9F A6 99 as four byte tokens.
  const std::vector<int32_t> ids = tok->encode("hi \xF0\x9F\xA6\x99!", false, false);
  ASSERT_GE(ids.size(), 6u);
  StreamingDecoder dec(*tok);
  std::vector<std::string> parts;
  for (int32_t id : ids) parts.push_back(dec.push(id));
  EXPECT_EQ(dec.finish(), "");
  std::string joined;
  int n_empty = 0;
  for (const std::string& p : parts) {
    joined += p;
    n_empty += p.empty();
  }
  EXPECT_EQ(joined, "hi \xF0\x9F\xA6\x99!");
  EXPECT_EQ(n_empty, 3);  // the first three byte tokens wait for the fourth
  EXPECT_EQ(v.type(ids[ids.size() - 2]), TokenType::kByte);
}

TEST(StreamingDecoder, InvalidBytesBecomeReplacementChars) {
  const Tokenizer* tok = shared_tokenizer("vocab/ggml-vocab-llama-spm.gguf");
  ASSERT_NE(tok, nullptr);
  const Vocab& v = tok->vocab();
  auto byte = [&](uint8_t b) { return v.byte_token(b); };
  {
    // An emoji cut short: held back, then U+FFFD from finish().
    StreamingDecoder dec(*tok);
    EXPECT_EQ(dec.push(byte(0xF0)), "");
    EXPECT_EQ(dec.push(byte(0x9F)), "");
    EXPECT_EQ(dec.finish(), "\xEF\xBF\xBD");
  }
  {
    // A start that can never complete is replaced as soon as that is known.
    StreamingDecoder dec(*tok);
    EXPECT_EQ(dec.push(byte(0xE2)), "");
    EXPECT_EQ(dec.push(*v.find("a")), "\xEF\xBF\xBD" "a");
    EXPECT_EQ(dec.push(byte(0xFF)), "\xEF\xBF\xBD");
    EXPECT_EQ(dec.finish(), "");
  }
  {
    // The decoder starts over after finish().
    StreamingDecoder dec(*tok);
    EXPECT_EQ(dec.push(byte(0xC3)), "");
    EXPECT_EQ(dec.finish(), "\xEF\xBF\xBD");
    EXPECT_EQ(dec.push(*v.find("\xE2\x96\x81Hello")), "Hello");
  }
}

TEST(StreamingDecoder, AnyIdSequenceIsSafe) {
  const Tokenizer* tok = shared_tokenizer("vocab/ggml-vocab-llama-spm.gguf");
  ASSERT_NE(tok, nullptr);
  // Every byte token, unknown ids and ids past the vocab, in a scrambled order.
  std::vector<int32_t> ids = {-5, 32000, 1 << 30};
  for (int k = 0; k < 2000; ++k) ids.push_back(static_cast<int32_t>((k * 7919u) % 32000u));
  for (int b = 0; b < 256; ++b) ids.push_back(tok->vocab().byte_token(static_cast<uint8_t>((b * 37) & 255)));
  for (bool render : {false, true}) {
    const std::string out = stream(*tok, ids, render);
    EXPECT_TRUE(is_valid_utf8(out));
  }
}

TEST(StreamingDecoder, LeadingSpaceDroppedAfterBos) {
  const Tokenizer* tok = shared_tokenizer("stories260K.gguf");
  ASSERT_NE(tok, nullptr);
  const std::vector<int32_t> ids = {1, 403, 407, 261, 378};
  EXPECT_EQ(stream(*tok, ids), "Once upon a time");
  EXPECT_EQ(stream(*tok, ids, true), "<s>Once upon a time");
}

}  // namespace
}  // namespace herd
