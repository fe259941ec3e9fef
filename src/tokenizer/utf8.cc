#include "tokenizer/utf8.h"

#include <cstdint>

namespace herd {
namespace {

// Number of bytes a sequence starting with `lead` has, or 0 for a byte that cannot
// start one (a continuation byte, C0/C1 overlong leads, F5..FF).
size_t sequence_length(uint8_t lead) {
  if (lead < 0x80) return 1;
  if (lead >= 0xC2 && lead <= 0xDF) return 2;
  if (lead >= 0xE0 && lead <= 0xEF) return 3;
  if (lead >= 0xF0 && lead <= 0xF4) return 4;
  return 0;
}

// The allowed range of the byte after `lead`; later continuation bytes are 80..BF.
void second_byte_range(uint8_t lead, uint8_t* lo, uint8_t* hi) {
  *lo = 0x80;
  *hi = 0xBF;
  switch (lead) {
    case 0xE0: *lo = 0xA0; break;  // no overlongs
    case 0xED: *hi = 0x9F; break;  // no surrogates
    case 0xF0: *lo = 0x90; break;  // no overlongs
    case 0xF4: *hi = 0x8F; break;  // nothing past U+10FFFF
    default: break;
  }
}

}  // namespace

Utf8Scan utf8_scan(std::string_view s) {
  const auto lead = static_cast<uint8_t>(s[0]);
  const size_t need = sequence_length(lead);
  if (need == 0) return {Utf8Scan::kInvalid, 1};
  if (need == 1) return {Utf8Scan::kValid, 1};
  for (size_t i = 1; i < need; ++i) {
    if (i == s.size()) return {Utf8Scan::kIncomplete, i};
    const auto b = static_cast<uint8_t>(s[i]);
    uint8_t lo = 0x80;
    uint8_t hi = 0xBF;
    if (i == 1) second_byte_range(lead, &lo, &hi);
    if (b < lo || b > hi) return {Utf8Scan::kInvalid, i};
  }
  return {Utf8Scan::kValid, need};
}

std::string utf8_sanitize(std::string_view s) {
  std::string out;
  out.reserve(s.size());
  size_t pos = 0;
  while (pos < s.size()) {
    const Utf8Scan scan = utf8_scan(s.substr(pos));
    if (scan.kind == Utf8Scan::kValid) {
      out.append(s.substr(pos, scan.length));
    } else {
      out.append(kUtf8Replacement);
    }
    pos += scan.length;
  }
  return out;
}

size_t utf8_complete_prefix(std::string_view s) {
  // An unfinished character is at most 3 bytes, so only the tail needs a look.
  const size_t start = s.size() > 3 ? s.size() - 3 : 0;
  for (size_t pos = start; pos < s.size(); ++pos) {
    const Utf8Scan scan = utf8_scan(s.substr(pos));
    if (scan.kind == Utf8Scan::kIncomplete) return pos;
  }
  return s.size();
}

}  // namespace herd
