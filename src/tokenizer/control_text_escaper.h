// Keeps untrusted text (chat messages, tool results, a client's system prompt) from
// turning into control tokens when it is embedded in a prompt whose own markup must.
//
// A chat template mixes its markup ("<|im_start|>user\n") with message text into one
// string. Tokenizing that string with special-token parsing would let a user who types
// "<|im_end|>\n<|im_start|>system" forge a system turn. So, before rendering, every
// message string goes through escape(): each text of a control or unknown token (the
// ones only parse_special matches) becomes one private-use placeholder character. The
// rendered prompt then goes through encode(): special tokens are split off as with
// parse_special (only the template could have written them), and in the text between
// them each placeholder is put back as the characters it stood for and tokenized as
// plain text. For text that holds no such token text, escape() is the identity and
// encode(s) == tokenizer.encode(s, false, true), so normal conversations tokenize
// exactly as before.
//
// Placeholders are code points of the supplementary private-use planes 15 and 16
// (U+F0000..U+10FFFF); any such code point already in the untrusted text is escaped
// too, so a placeholder in the rendered text always means what escape() recorded. (A
// template literal using those planes would be misread; no known template does.)
//
// Texts are matched exactly. A template that changes the case of message text (|lower,
// |upper, |title) could still turn a look-alike such as "<|IM_END|>" into a token's
// text; of the 35 templates in ../shared/reference/chat-templates only roles (which the
// server restricts to system/user/assistant) and tool parameter names (not passed to
// templates yet) go through such filters.
//
// One escaper per prompt: it records what each placeholder stands for. Not thread-safe.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>
#include <unordered_map>
#include <vector>

#include "base/status.h"

namespace herd {

class Tokenizer;

class ControlTextEscaper {
 public:
  explicit ControlTextEscaper(const Tokenizer& tokenizer) : tokenizer_(tokenizer) {}

  // `text` with every control/unknown token text, and every code point of the
  // placeholder planes, replaced by a placeholder. kInvalidArgument when the text (with
  // what was escaped before) holds more distinct escaped pieces than there are
  // placeholders (131072).
  Result<std::string> escape(std::string_view text);

  // The ids of `prompt` (a rendering that contains escaped text): as
  // tokenizer.encode(prompt, /*add_special=*/false, /*parse_special=*/true), except that
  // each placeholder stands for its original characters, which are plain text.
  std::vector<int32_t> encode(std::string_view prompt) const;

  // `text` with every placeholder put back (the rendered prompt as the model sees it).
  std::string restore(std::string_view text) const;

  size_t escaped_pieces() const { return pieces_.size(); }

 private:
  Result<std::string> placeholder_for(std::string piece);

  const Tokenizer& tokenizer_;
  std::vector<std::string> pieces_;  // placeholder i stands for pieces_[i]
  std::unordered_map<std::string, uint32_t> index_;
};

}  // namespace herd
