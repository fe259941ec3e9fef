#include "gguf/gguf_text.h"

#include <cstdint>

namespace herd {
namespace {

// Length of the valid UTF-8 sequence at the start of `s`, or 0 when it is not one
// (bad lead byte, missing continuation, overlong form, surrogate, past U+10FFFF).
size_t utf8_sequence_length(std::string_view s) {
  const auto b0 = static_cast<uint8_t>(s[0]);
  size_t len;
  uint32_t cp;
  if (b0 < 0x80) return 1;
  if (b0 >= 0xC2 && b0 <= 0xDF) {
    len = 2;
    cp = b0 & 0x1F;
  } else if (b0 >= 0xE0 && b0 <= 0xEF) {
    len = 3;
    cp = b0 & 0x0F;
  } else if (b0 >= 0xF0 && b0 <= 0xF4) {
    len = 4;
    cp = b0 & 0x07;
  } else {
    return 0;
  }
  if (s.size() < len) return 0;
  for (size_t k = 1; k < len; ++k) {
    const auto b = static_cast<uint8_t>(s[k]);
    if ((b & 0xC0) != 0x80) return 0;
    cp = (cp << 6) | (b & 0x3F);
  }
  if (len == 3 && (cp < 0x800 || (cp >= 0xD800 && cp <= 0xDFFF))) return 0;
  if (len == 4 && (cp < 0x10000 || cp > 0x10FFFF)) return 0;
  return len;
}

void append_hex_escape(std::string& out, uint8_t b) {
  static constexpr char kHex[] = "0123456789abcdef";
  out += "\\x";
  out += kHex[b >> 4];
  out += kHex[b & 0xF];
}

std::string escape(std::string_view s, size_t max_bytes, bool quoted) {
  std::string out;
  out.reserve((s.size() < max_bytes ? s.size() : max_bytes) + 2);
  if (quoted) out += '"';
  size_t i = 0;
  while (i < s.size() && i < max_bytes) {
    const auto b = static_cast<uint8_t>(s[i]);
    switch (b) {
      case '"': out += "\\\""; ++i; continue;
      case '\\': out += "\\\\"; ++i; continue;
      case '\n': out += "\\n"; ++i; continue;
      case '\t': out += "\\t"; ++i; continue;
      case '\r': out += "\\r"; ++i; continue;
      default: break;
    }
    if (b < 0x20 || b == 0x7F) {
      append_hex_escape(out, b);
      ++i;
      continue;
    }
    const size_t len = utf8_sequence_length(s.substr(i));
    if (len == 0) {
      append_hex_escape(out, b);
      ++i;
      continue;
    }
    out.append(s.data() + i, len);
    i += len;
  }
  if (quoted) out += '"';
  if (i < s.size()) {
    out += "... (";
    out += std::to_string(s.size());
    out += " bytes)";
  }
  return out;
}

}  // namespace

std::string gguf_quote(std::string_view s, size_t max_bytes) { return escape(s, max_bytes, true); }

std::string gguf_escape(std::string_view s, size_t max_bytes) {
  return escape(s, max_bytes, false);
}

}  // namespace herd
