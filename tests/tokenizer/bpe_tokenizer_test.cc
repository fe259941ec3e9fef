#include "tokenizer/bpe_tokenizer.h"

#include <gtest/gtest.h>

#include <map>
#include <random>
#include <set>
#include <string>
#include <thread>
#include <utility>
#include <vector>

#include "tokenizer/streaming_decoder.h"
#include "tokenizer/utf8.h"
#include "tokenizer_test_util.h"

namespace herd {
namespace {

using testing::make_tokenizer;
using testing::read_vectors;
using testing::shared_tokenizer;

std::string show(const std::vector<int32_t>& ids) {
  std::string s;
  for (int32_t id : ids) s += " " + std::to_string(id);
  return s;
}

// Byte-level BPE vocabs with upstream vectors here (command-r's vocab is missing).
const char* const kBpeSets[] = {"deepseek-coder", "deepseek-llm", "falcon", "gpt-2",
                                "llama-bpe",      "mpt",          "qwen2",  "refact",
                                "starcoder"};

std::string gguf_of(const std::string& set) { return "vocab/ggml-vocab-" + set + ".gguf"; }

class BpeVectors : public ::testing::TestWithParam<const char*> {};

// Every upstream case: add_special = false, parse_special = false.
TEST_P(BpeVectors, AllCasesExact) {
  const std::string set = GetParam();
  const Tokenizer* tok = shared_tokenizer(gguf_of(set));
  ASSERT_NE(tok, nullptr);
  const std::vector<testing::VectorCase> cases = read_vectors("ggml-vocab-" + set);
  ASSERT_EQ(cases.size(), 46u);
  for (size_t i = 0; i < cases.size(); ++i) {
    EXPECT_EQ(show(tok->encode(cases[i].text, false, false)), show(cases[i].ids))
        << set << " case " << i << ": \"" << cases[i].text << "\"";
  }
}

// Byte-level BPE loses nothing: decode inverts encode, also with BOS/EOS added.
TEST_P(BpeVectors, RoundTrip) {
  const Tokenizer* tok = shared_tokenizer(gguf_of(GetParam()));
  ASSERT_NE(tok, nullptr);
  for (const testing::VectorCase& c : read_vectors(std::string("ggml-vocab-") + GetParam())) {
    EXPECT_EQ(tok->decode(tok->encode(c.text, false, false)), c.text);
    EXPECT_EQ(tok->decode(tok->encode(c.text, true, false)), c.text);
    EXPECT_EQ(tok->decode(c.ids), c.text);
  }
}

// Pushing the ids one by one gives decode's text (all vector texts are valid UTF-8).
TEST_P(BpeVectors, StreamingDecoderMatchesDecode) {
  const Tokenizer* tok = shared_tokenizer(gguf_of(GetParam()));
  ASSERT_NE(tok, nullptr);
  for (const testing::VectorCase& c : read_vectors(std::string("ggml-vocab-") + GetParam())) {
    StreamingDecoder dec(*tok);
    std::string streamed;
    for (int32_t id : c.ids) {
      const std::string part = dec.push(id);
      streamed += part;
    }
    streamed += dec.finish();
    EXPECT_EQ(streamed, tok->decode(c.ids));
  }
}

// A straightforward string-based BPE: the lowest-ranked adjacent pair (leftmost on
// ties) merges until none does.
std::vector<std::string> naive_bpe(const std::string& word,
                                   const std::map<std::pair<std::string, std::string>, int>& ranks) {
  std::vector<std::string> syms;
  for (char c : word) syms.emplace_back(1, c);
  for (;;) {
    int best = -1;
    size_t at = 0;
    for (size_t i = 0; i + 1 < syms.size(); ++i) {
      auto it = ranks.find({syms[i], syms[i + 1]});
      if (it != ranks.end() && (best < 0 || it->second < best)) {
        best = it->second;
        at = i;
      }
    }
    if (best < 0) return syms;
    syms[at] += syms[at + 1];
    syms.erase(syms.begin() + static_cast<std::ptrdiff_t>(at) + 1);
  }
}

TEST(BpeTokenizer, MergeLoopMatchesNaiveBpeOnShortAndLongWords) {
  std::mt19937 rng(42);
  for (int vocab_round = 0; vocab_round < 5; ++vocab_round) {
    VocabParams p;
    p.model = "gpt2";
    p.pre = "gpt-2";
    p.tokens = {"a", "b", "c"};
    std::map<std::pair<std::string, std::string>, int> ranks;
    std::set<std::string> have(p.tokens.begin(), p.tokens.end());
    while (p.merges.size() < 80) {
      const std::string l = p.tokens[rng() % p.tokens.size()];
      const std::string r = p.tokens[rng() % p.tokens.size()];
      if (l.size() + r.size() > 12 || ranks.count({l, r})) continue;
      ranks[{l, r}] = static_cast<int>(p.merges.size());
      p.merges.push_back(l + " " + r);
      if (have.insert(l + r).second) p.tokens.push_back(l + r);
    }
    std::unique_ptr<Tokenizer> tok = make_tokenizer(p);
    ASSERT_NE(tok, nullptr);
    for (int w = 0; w < 200; ++w) {
      // Lengths on both sides of BpeTokenizer::kShortWord.
      const size_t n = 1 + rng() % 200;
      std::string word;
      for (size_t i = 0; i < n; ++i) word += static_cast<char>('a' + rng() % 3);
      std::vector<int32_t> want;
      for (const std::string& piece : naive_bpe(word, ranks)) {
        want.push_back(*tok->vocab().find(piece));
      }
      EXPECT_EQ(show(tok->encode(word, false, false)), show(want)) << word;
    }
  }
}

TEST(BpeTokenizer, AnyBytesRoundTrip) {
  const Tokenizer* tok = shared_tokenizer(gguf_of("llama-bpe"));
  ASSERT_NE(tok, nullptr);
  std::mt19937 rng(3);
  for (int round = 0; round < 200; ++round) {
    std::string text;
    const size_t n = rng() % 64;
    for (size_t i = 0; i < n; ++i) text += static_cast<char>(rng() % 256);
    EXPECT_EQ(tok->decode(tok->encode(text, false, false)), text);
  }
}

TEST(BpeTokenizer, Llama3AddsBosAndParsesSpecialTokens) {
  const Tokenizer* tok = shared_tokenizer(gguf_of("llama-bpe"));
  ASSERT_NE(tok, nullptr);
  EXPECT_TRUE(tok->vocab().add_bos());
  const std::vector<int32_t> hello = tok->encode("Hello", false, false);
  ASSERT_EQ(hello.size(), 1u);
  EXPECT_EQ(tok->encode("Hello", true, false), (std::vector<int32_t>{128000, hello[0]}));
  EXPECT_EQ(tok->encode("<|begin_of_text|>Hello<|eot_id|>", false, true),
            (std::vector<int32_t>{128000, hello[0], 128009}));
  // Without parse_special the markers are plain text.
  for (int32_t id : tok->encode("<|begin_of_text|>Hello<|eot_id|>", false, false)) {
    EXPECT_LT(id, 128000);
  }
  EXPECT_EQ(tok->decode(std::vector<int32_t>{128000, hello[0], 128009}), "Hello");
  EXPECT_EQ(tok->decode(std::vector<int32_t>{128000, hello[0]}, true), "<|begin_of_text|>Hello");
  EXPECT_TRUE(tok->is_end_of_generation(128009));
}

TEST(BpeTokenizer, Qwen2NoBosAndUserDefinedTokensAlwaysMatch) {
  const Tokenizer* tok = shared_tokenizer(gguf_of("qwen2"));
  ASSERT_NE(tok, nullptr);
  EXPECT_FALSE(tok->vocab().add_bos());
  EXPECT_EQ(tok->encode("hi", true, false), tok->encode("hi", false, false));
  // <tool_call> is user-defined: matched even without parse_special, and decoded as is.
  const std::vector<int32_t> ids = tok->encode("<tool_call>x", false, false);
  ASSERT_FALSE(ids.empty());
  EXPECT_EQ(ids[0], 151657);
  EXPECT_EQ(tok->decode(ids), "<tool_call>x");
  EXPECT_EQ(tok->encode("<|im_start|>", false, true), (std::vector<int32_t>{151644}));
}

TEST(BpeTokenizer, EmptyTextAndTokenToPiece) {
  const Tokenizer* tok = shared_tokenizer(gguf_of("gpt-2"));
  ASSERT_NE(tok, nullptr);
  EXPECT_TRUE(tok->encode("", false, false).empty());
  EXPECT_EQ(tok->token_to_piece(995), " world");
  EXPECT_EQ(tok->token_to_piece(-1), "");
  EXPECT_EQ(tok->token_to_piece(1 << 30), "");
}

TEST(BpeTokenizer, StreamingDecoderHoldsBackSplitCharacters) {
  const Tokenizer* tok = shared_tokenizer(gguf_of("gpt-2"));
  ASSERT_NE(tok, nullptr);
  const std::string text = "a ð¦ b ä½ å¥½";  // emoji, Chinese
  const std::vector<int32_t> ids = tok->encode(text, false, false);
  StreamingDecoder dec(*tok);
  std::string streamed;
  for (int32_t id : ids) {
    const std::string part = dec.push(id);
    // Every part is complete UTF-8 on its own.
    EXPECT_EQ(utf8_sanitize(part), part);
    streamed += part;
  }
  streamed += dec.finish();
  EXPECT_EQ(streamed, text);
}

TEST(BpeTokenizer, HugeWordsAndRunsStayLosslessAndFast) {
  const Tokenizer* tok = shared_tokenizer(gguf_of("llama-bpe"));
  ASSERT_NE(tok, nullptr);
  for (const std::string& text :
       {std::string(300, 'q'), std::string(200000, ' '), std::string(200000, 'a') + "!",
        std::string(100000, '7'), std::string(50000, '\n') + "x"}) {
    const std::vector<int32_t> ids = tok->encode(text, false, false);
    EXPECT_FALSE(ids.empty());
    EXPECT_EQ(tok->decode(ids), text);
  }
}

TEST(BpeTokenizer, ConcurrentEncodeAgrees) {
  const Tokenizer* tok = shared_tokenizer(gguf_of("qwen2"));
  ASSERT_NE(tok, nullptr);
  std::string text;
  for (const testing::VectorCase& c : read_vectors("ggml-vocab-qwen2")) text += c.text + "\n";
  const std::vector<int32_t> want = tok->encode(text, false, false);
  std::vector<std::thread> threads;
  std::vector<int> ok(4, 0);
  for (int t = 0; t < 4; ++t) {
    threads.emplace_back([&, t] {
      bool all = true;
      for (int i = 0; i < 20; ++i) all = all && tok->encode(text, false, false) == want;
      ok[t] = all ? 1 : 0;
    });
  }
  for (std::thread& th : threads) th.join();
  EXPECT_EQ(ok, (std::vector<int>{1, 1, 1, 1}));
}

TEST(BpeTokenizer, ManyTokenizersOnOneThreadKeepTheirOwnResults) {
  // More tokenizers than a thread keeps word caches for, used in turn.
  std::vector<const Tokenizer*> toks;
  std::vector<std::vector<int32_t>> want;
  const std::string text = "Hello world, hello again 123 \xE4\xBD\xA0\xE5\xA5\xBD";
  for (const char* set : kBpeSets) {
    toks.push_back(shared_tokenizer(gguf_of(set)));
    ASSERT_NE(toks.back(), nullptr);
    want.push_back(toks.back()->encode(text, false, false));
  }
  for (int round = 0; round < 3; ++round) {
    for (size_t i = 0; i < toks.size(); ++i) {
      EXPECT_EQ(toks[i]->encode(text, false, false), want[i]) << kBpeSets[i];
      EXPECT_EQ(toks[i]->decode(want[i]), text) << kBpeSets[i];
    }
  }
}

INSTANTIATE_TEST_SUITE_P(Vocabs, BpeVectors, ::testing::ValuesIn(kBpeSets),
                         [](const auto& info) {
                           std::string n = info.param;
                           for (char& ch : n) {
                             if (ch == '-') ch = '_';
                           }
                           return n;
                         });

}  // namespace
}  // namespace herd
