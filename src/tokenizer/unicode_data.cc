#include "tokenizer/unicode_data.h"

#include <algorithm>

namespace herd {
namespace {

using unicode_tables::CodepointRange;

bool in_ranges(const CodepointRange* r, size_t n, uint32_t cp) {
  const CodepointRange* end = r + n;
  // The first range whose last code point is >= cp.
  const CodepointRange* it =
      std::lower_bound(r, end, cp, [](const CodepointRange& a, uint32_t c) { return a.last < c; });
  return it != end && it->first <= cp;
}

// Hangul syllables decompose by formula (Unicode chapter 3.12).
constexpr uint32_t kSBase = 0xAC00, kLBase = 0x1100, kVBase = 0x1161, kTBase = 0x11A7;
constexpr uint32_t kVCount = 21, kTCount = 28, kSCount = 19 * kVCount * kTCount;

}  // namespace

bool unicode_is_nonspacing_mark(uint32_t cp) {
  return in_ranges(unicode_tables::kNonspacingMark, unicode_tables::kNonspacingMarkCount, cp);
}

bool unicode_is_punctuation(uint32_t cp) {
  return in_ranges(unicode_tables::kPunctuation, unicode_tables::kPunctuationCount, cp);
}

bool unicode_is_other(uint32_t cp) {
  return in_ranges(unicode_tables::kOther, unicode_tables::kOtherCount, cp);
}

bool unicode_is_white_space(uint32_t cp) {
  if (cp <= 0x20) return cp == 0x20 || (cp >= 0x09 && cp <= 0x0D);
  switch (cp) {
    case 0x85: case 0xA0: case 0x1680: case 0x2028: case 0x2029: case 0x202F: case 0x205F:
    case 0x3000:
      return true;
    default:
      return cp >= 0x2000 && cp <= 0x200A;
  }
}

bool unicode_is_cjk_ideograph(uint32_t cp) {
  return (cp >= 0x4E00 && cp <= 0x9FFF) || (cp >= 0x3400 && cp <= 0x4DBF) ||
         (cp >= 0x20000 && cp <= 0x2A6DF) || (cp >= 0x2A700 && cp <= 0x2B73F) ||
         (cp >= 0x2B740 && cp <= 0x2B81F) || (cp >= 0x2B820 && cp <= 0x2CEAF) ||
         (cp >= 0xF900 && cp <= 0xFAFF) || (cp >= 0x2F800 && cp <= 0x2FA1F);
}

int unicode_bert_fold(uint32_t cp, uint32_t out[3]) {
  if (cp < 0x80) {
    out[0] = cp >= 'A' && cp <= 'Z' ? cp + 32 : cp;
    return 1;
  }
  if (cp >= kSBase && cp < kSBase + kSCount) {
    const uint32_t s = cp - kSBase;
    out[0] = kLBase + s / (kVCount * kTCount);
    out[1] = kVBase + (s % (kVCount * kTCount)) / kTCount;
    const uint32_t t = s % kTCount;
    if (t == 0) return 2;
    out[2] = kTBase + t;
    return 3;
  }
  if (unicode_is_nonspacing_mark(cp)) return 0;
  using unicode_tables::kFold1;
  using unicode_tables::kFold1Count;
  const auto* f1 = std::lower_bound(kFold1, kFold1 + kFold1Count, cp,
                                    [](const auto& a, uint32_t c) { return a.cp < c; });
  if (f1 != kFold1 + kFold1Count && f1->cp == cp) {
    out[0] = f1->to;
    return 1;
  }
  using unicode_tables::kFold3;
  using unicode_tables::kFold3Count;
  const auto* f3 = std::lower_bound(kFold3, kFold3 + kFold3Count, cp,
                                    [](const auto& a, uint32_t c) { return a.cp < c; });
  if (f3 != kFold3 + kFold3Count && f3->cp == cp) {
    int n = 0;
    while (n < 3 && f3->to[n] != 0) {
      out[n] = f3->to[n];
      ++n;
    }
    return n;
  }
  out[0] = cp;
  return 1;
}

}  // namespace herd
