#include "tokenizer/byte_level.h"

#include <algorithm>
#include <array>

#include "tokenizer/utf8.h"

namespace herd {
namespace {

bool stands_for_itself(int b) {
  return (b >= '!' && b <= '~') || (b >= 0xA1 && b <= 0xAC) || (b >= 0xAE && b <= 0xFF);
}

struct Tables {
  std::array<uint32_t, 256> to_cp{};
  std::array<int16_t, 0x144> from_cp{};  // every code point of the alphabet is below U+0144
  std::array<std::array<char, 2>, 256> utf8{};  // each code point is 1 or 2 UTF-8 bytes
  std::array<uint8_t, 256> utf8_len{};
};

Tables build_tables() {
  Tables t;
  t.from_cp.fill(-1);
  uint32_t next = 0x100;
  for (int b = 0; b < 256; ++b) {
    const uint32_t cp = stands_for_itself(b) ? static_cast<uint32_t>(b) : next++;
    t.to_cp[b] = cp;
    t.from_cp[cp] = static_cast<int16_t>(b);
    std::string s;
    append_utf8(cp, s);
    t.utf8_len[b] = static_cast<uint8_t>(s.size());
    for (size_t i = 0; i < s.size(); ++i) t.utf8[b][i] = s[i];
  }
  return t;
}

const Tables& tables() {
  static const Tables t = build_tables();
  return t;
}

}  // namespace

void append_utf8(uint32_t cp, std::string& out) {
  if (cp < 0x80) {
    out += static_cast<char>(cp);
  } else if (cp < 0x800) {
    out += static_cast<char>(0xC0 | (cp >> 6));
    out += static_cast<char>(0x80 | (cp & 0x3F));
  } else if (cp < 0x10000) {
    out += static_cast<char>(0xE0 | (cp >> 12));
    out += static_cast<char>(0x80 | ((cp >> 6) & 0x3F));
    out += static_cast<char>(0x80 | (cp & 0x3F));
  } else {
    out += static_cast<char>(0xF0 | (cp >> 18));
    out += static_cast<char>(0x80 | ((cp >> 12) & 0x3F));
    out += static_cast<char>(0x80 | ((cp >> 6) & 0x3F));
    out += static_cast<char>(0x80 | (cp & 0x3F));
  }
}

uint32_t byte_to_codepoint(uint8_t byte) { return tables().to_cp[byte]; }

int byte_from_codepoint(uint32_t cp) {
  return cp < tables().from_cp.size() ? tables().from_cp[cp] : -1;
}

void byte_level_encode(std::string_view bytes, std::string& out) {
  const Tables& t = tables();
  for (char c : bytes) {
    const auto b = static_cast<uint8_t>(c);
    out.append(t.utf8[b].data(), t.utf8_len[b]);
  }
}

void byte_level_decode(std::string_view text, std::string& out) {
  const Tables& t = tables();
  size_t pos = 0;
  while (pos < text.size()) {
    const auto lead = static_cast<uint8_t>(text[pos]);
    if (lead < 0x80) {
      // ASCII that is in the alphabet stands for itself; other ASCII is copied as is.
      out += static_cast<char>(lead);
      ++pos;
      continue;
    }
    const Utf8Scan scan = utf8_scan(text.substr(pos));
    if (scan.kind == Utf8Scan::kValid && scan.length == 2) {
      const uint32_t cp = ((lead & 0x1Fu) << 6) | (static_cast<uint8_t>(text[pos + 1]) & 0x3Fu);
      if (cp < t.from_cp.size() && t.from_cp[cp] >= 0) {
        out += static_cast<char>(t.from_cp[cp]);
        pos += 2;
        continue;
      }
    }
    const size_t len = scan.kind == Utf8Scan::kValid ? scan.length : std::max<size_t>(scan.length, 1);
    out.append(text.substr(pos, len));
    pos += len;
  }
}

}  // namespace herd
