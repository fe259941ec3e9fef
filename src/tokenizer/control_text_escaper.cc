#include "tokenizer/control_text_escaper.h"

#include <utility>

#include "tokenizer/tokenizer.h"
#include "tokenizer/utf8.h"

namespace herd {
namespace {

constexpr uint32_t kFirstPlaceholder = 0xF0000;  // planes 15 and 16: private use
constexpr uint32_t kPlaceholderCount = 0x110000 - kFirstPlaceholder;

// True when the bytes at `s` start a character of planes 15-16 (F3 B0..BF or F4 80..8F).
bool starts_placeholder_plane(std::string_view s) {
  if (s.size() < 2) return false;
  const auto b0 = static_cast<uint8_t>(s[0]);
  const auto b1 = static_cast<uint8_t>(s[1]);
  return (b0 == 0xF3 && b1 >= 0xB0 && b1 <= 0xBF) || (b0 == 0xF4 && b1 >= 0x80 && b1 <= 0x8F);
}

std::string encode_placeholder(uint32_t index) {
  const uint32_t cp = kFirstPlaceholder + index;
  std::string out(4, '\0');
  out[0] = static_cast<char>(0xF0 | (cp >> 18));
  out[1] = static_cast<char>(0x80 | ((cp >> 12) & 0x3F));
  out[2] = static_cast<char>(0x80 | ((cp >> 6) & 0x3F));
  out[3] = static_cast<char>(0x80 | (cp & 0x3F));
  return out;
}

// The placeholder index of a well-formed 4-byte character at `s`, or -1.
int64_t decode_placeholder(std::string_view s) {
  if (!starts_placeholder_plane(s)) return -1;
  const Utf8Scan scan = utf8_scan(s);
  if (scan.kind != Utf8Scan::kValid || scan.length != 4) return -1;
  const uint32_t cp = ((static_cast<uint32_t>(static_cast<uint8_t>(s[0])) & 0x07) << 18) |
                      ((static_cast<uint32_t>(static_cast<uint8_t>(s[1])) & 0x3F) << 12) |
                      ((static_cast<uint32_t>(static_cast<uint8_t>(s[2])) & 0x3F) << 6) |
                      (static_cast<uint32_t>(static_cast<uint8_t>(s[3])) & 0x3F);
  return static_cast<int64_t>(cp) - kFirstPlaceholder;
}

}  // namespace

Result<std::string> ControlTextEscaper::placeholder_for(std::string piece) {
  auto it = index_.find(piece);
  if (it != index_.end()) return encode_placeholder(it->second);
  if (pieces_.size() >= kPlaceholderCount) {
    return invalid_argument("the messages hold too many distinct special-token texts and private-use characters");
  }
  const auto index = static_cast<uint32_t>(pieces_.size());
  index_.emplace(piece, index);
  pieces_.push_back(std::move(piece));
  return encode_placeholder(index);
}

Result<std::string> ControlTextEscaper::escape(std::string_view text) {
  // First the characters that look like placeholders, so that every placeholder in the
  // result is one this escaper made.
  std::string out;
  out.reserve(text.size());
  for (size_t i = 0; i < text.size();) {
    if (!starts_placeholder_plane(text.substr(i))) {
      out += text[i++];
      continue;
    }
    const size_t len = utf8_scan(text.substr(i)).length;  // >= 1; fewer than 4 if ill-formed
    HERD_ASSIGN_OR_RETURN(std::string ph, placeholder_for(std::string(text.substr(i, len))));
    out += ph;
    i += len;
  }
  // Then every control/unknown token text. A user-defined token that won an overlap can
  // hide one, so repeat until none is left; each round removes at least one.
  const Vocab& vocab = tokenizer_.vocab();
  for (;;) {
    bool replaced = false;
    std::string next;
    next.reserve(out.size());
    for (const TextFragment& frag : tokenizer_.split_special(out, /*parse_special=*/true)) {
      if (frag.token < 0 || vocab.type(frag.token) == TokenType::kUserDefined) {
        next += frag.text;
        continue;
      }
      HERD_ASSIGN_OR_RETURN(std::string ph, placeholder_for(std::string(frag.text)));
      next += ph;
      replaced = true;
    }
    out = std::move(next);
    if (!replaced) return out;
  }
}

std::string ControlTextEscaper::restore(std::string_view text) const {
  std::string out;
  out.reserve(text.size());
  for (size_t i = 0; i < text.size();) {
    const int64_t index = decode_placeholder(text.substr(i));
    if (index >= 0 && static_cast<size_t>(index) < pieces_.size()) {
      out += pieces_[static_cast<size_t>(index)];
      i += 4;
    } else {
      out += text[i++];
    }
  }
  return out;
}

std::vector<int32_t> ControlTextEscaper::encode(std::string_view prompt) const {
  // Every raw fragment of a parse_special split starts the text or follows a special
  // token, so encoding each on its own (add_special off) is what encode() does with it.
  std::vector<int32_t> out;
  out.reserve(prompt.size() / 3 + 4);
  for (const TextFragment& frag : tokenizer_.split_special(prompt, /*parse_special=*/true)) {
    if (frag.token >= 0) {
      out.push_back(frag.token);
      continue;
    }
    const std::vector<int32_t> ids =
        tokenizer_.encode(restore(frag.text), /*add_special=*/false, /*parse_special=*/false);
    out.insert(out.end(), ids.begin(), ids.end());
  }
  return out;
}

}  // namespace herd
