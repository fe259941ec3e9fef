// Turns ids into text while they are generated. Bytes of a character split across
// tokens (an emoji as four byte tokens) are held back until the character is complete,
// so every string handed out is valid UTF-8 on its own; concatenated, the pushes and
// finish() equal Tokenizer::decode of the same ids whenever that is valid UTF-8.
#pragma once

#include <cstdint>
#include <string>
#include <utility>
#include <vector>

#include "tokenizer/tokenizer.h"

namespace herd {

class StreamingDecoder {
 public:
  // `tok` must outlive the decoder. at_text_start: the ids begin a text (SPM drops the
  // first token's leading space there); false for a continuation of a prompt.
  explicit StreamingDecoder(const Tokenizer& tok, bool render_special = false, bool at_text_start = true);

  // The complete UTF-8 text now available (may be ""). Bytes that can never become
  // valid are replaced by U+FFFD right away; an unfinished character waits.
  std::string push(int32_t id);
  // Whatever is left: an unfinished character becomes U+FFFD. The decoder then starts
  // over as if new.
  std::string finish();
  // These control tokens are written as their text even without render_special (the
  // markers a tool-call or reasoning parser reads, such as "<|python_tag|>").
  void render_also(std::vector<int32_t> ids) { render_also_ = std::move(ids); }

 private:
  const Tokenizer* tok_;
  bool render_special_;
  std::vector<int32_t> render_also_;
  bool at_start_ = true;
  std::string pending_;  // at most 3 bytes: the start of an unfinished character
};

}  // namespace herd
