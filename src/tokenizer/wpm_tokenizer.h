// WordPiece (tokenizer.ggml.model "bert"): BERT, BGE, MiniLM, ... as Hugging Face's
// BertNormalizer + BertPreTokenizer + WordPiece do it, for uncased vocabs. Encoding,
// per raw text fragment:
//   1. NUL, U+FFFD and control/format/private/unassigned code points are dropped;
//      white space separates words; each CJK ideograph is a word of its own;
//   2. every code point is decomposed (NFD), stripped of nonspacing marks and
//      lowercased; each punctuation character becomes a word of its own;
//   3. each word is cut greedily into the longest vocab pieces from the left. The GGUF
//      converters spell a word-start piece with "▁" in front and a continuation piece
//      bare (BERT's "##" removed). A word with an unmatchable rest, or longer than 100
//      code points, becomes the unknown token.
// With add_special the text is wrapped in [CLS] (bos) ... [SEP] (eos).
#pragma once

#include <cstdint>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "tokenizer/tokenizer.h"

namespace herd {

class WpmTokenizer final : public Tokenizer {
 public:
  static Result<std::unique_ptr<Tokenizer>> create(Vocab vocab);


  // Steps 1-3 on one raw fragment, appending the ids to `out`.
  void encode_fragment(std::string_view text, std::vector<int32_t>& out) const;

  // Steps 1-2 alone: the normalised words of `text`.
  static std::vector<std::string> split_words(std::string_view text);

  static constexpr size_t kMaxWordChars = 100;

 protected:
  std::string text_piece(TokenType type, std::string_view text) const override;
  void encode_raw(std::string_view text, bool, std::vector<int32_t>& out) const override {
    encode_fragment(text, out);
  }

 private:
  explicit WpmTokenizer(Vocab vocab);

  // Step 3 for one word (UTF-8, `n_chars` code points).
  void encode_word(std::string_view word, size_t n_chars, std::string& buf,
                   std::vector<int32_t>& out) const;

  size_t max_token_len_ = 0;  // bytes
};

}  // namespace herd
