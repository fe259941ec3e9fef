// SentencePiece-style tokenizer (tokenizer.ggml.model "llama"): Llama 1/2, Mistral v1,
// Phi-3, TinyLlama, stories*. Encoding, per raw text fragment:
//   1. spaces become U+2581 "▁"; a "▁" goes in front when the vocab adds a space prefix
//      and the fragment starts the text or follows a special token (as llama.cpp does);
//   2. the text is split into UTF-8 characters (an ill-formed byte is its own symbol);
//   3. repeatedly the adjacent pair whose concatenation is a token with the highest
//      score is merged (ties: leftmost), through a priority queue: O(n log n);
//   4. a symbol that is not a token becomes one byte token "<0xXX>" per byte, or unk.
// Control, unknown and byte tokens are never the result of a merge, so text can only
// name them through special-token parsing.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "tokenizer/tokenizer.h"

namespace herd {

class SpmTokenizer final : public Tokenizer {
 public:
  explicit SpmTokenizer(Vocab vocab);


  // Steps 1-4 above on one raw fragment, appending the ids to `out`.
  void encode_fragment(std::string_view text, bool space_prefix, std::vector<int32_t>& out) const;

 protected:
  std::string text_piece(TokenType type, std::string_view text) const override;
  void encode_raw(std::string_view text, bool starts_text, std::vector<int32_t>& out) const override {
    encode_fragment(text, vocab_.add_space_prefix() && starts_text, out);
  }

 private:
  // The token a merge or a final symbol may become, or -1.
  int32_t piece_id(std::string_view text) const;
};

}  // namespace herd
