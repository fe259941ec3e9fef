// Byte-level BPE (tokenizer.ggml.model "gpt2"): GPT-2, Llama 3, Qwen2, DeepSeek,
// Falcon, MPT, StarCoder, ... Encoding, per raw text fragment:
//   1. the family's regexes (tokenizer.ggml.pre, see bpe_pretokenizer.h) cut it into words;
//   2. with ignore_merges (Llama 3, Tekken) a word that is a token as a whole is taken;
//   3. otherwise each byte of the word starts as its byte-level token, and repeatedly
//      the adjacent pair with the lowest merge rank (ties: leftmost) becomes the token
//      it merges to, until no pair merges. Results of short words are memoised per
//      thread (bpe_word_cache.h).
// Token texts are in GPT-2's byte alphabet (byte_level.h); decoding maps them back,
// so decode(encode(text)) == text for any valid UTF-8, and for any bytes when the vocab has
// normal tokens for all 256 byte characters (deepseek-coder lacks C0, C1, F5..FF as such).
#pragma once

#include <array>
#include <cstdint>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "tokenizer/bpe_merges.h"
#include "tokenizer/bpe_pretokenizer.h"
#include "tokenizer/token_bytes_index.h"
#include "tokenizer/tokenizer.h"

namespace herd {

class BpeTokenizer final : public Tokenizer {
 public:
  // kUnsupported for an unknown tokenizer.ggml.pre.
  static Result<std::unique_ptr<Tokenizer>> create(Vocab vocab);


  // Steps 1-3 on one raw fragment, appending the ids to `out`.
  void encode_fragment(std::string_view text, std::vector<int32_t>& out) const;

  // Words longer than this many bytes merge through a priority queue; shorter ones
  // through a scan of an array (faster for the short words that dominate text).
  static constexpr size_t kShortWord = 64;

 protected:
  std::string text_piece(TokenType type, std::string_view text) const override;
  void encode_raw(std::string_view text, bool, std::vector<int32_t>& out) const override {
    encode_fragment(text, out);
  }

 private:
  struct Scratch;
  BpeTokenizer(Vocab vocab, BpePreTokenizer pre, BpeMergeTable merges, bool ignore_merges);

  void encode_word(std::string_view word, Scratch& s, std::vector<int32_t>& out) const;
  void merge_short(Scratch& s, std::vector<int32_t>& out) const;
  void merge_long(Scratch& s, std::vector<int32_t>& out) const;
  void emit(int32_t id, std::vector<int32_t>& out) const;

  BpePreTokenizer pre_;
  BpeMergeTable merges_;
  TokenBytesIndex whole_words_;  // only with ignore_merges
  std::array<int32_t, 256> byte_ids_{};  // the token of each single byte, or -1
  bool ignore_merges_ = false;
  uint64_t instance_ = 0;  // keys this tokenizer's per-thread word cache (bpe_word_cache.h)
};

}  // namespace herd
