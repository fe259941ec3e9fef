#include "grammar/utf8_ranges.h"

#include <algorithm>
#include <array>
#include <map>

namespace herd::grammar {
namespace {

constexpr uint32_t kSurrogateLo = 0xD800;
constexpr uint32_t kSurrogateHi = 0xDFFF;
// The largest code point of each encoded length (1 to 4 bytes).
constexpr uint32_t kLastOfLength[4] = {0x7F, 0x7FF, 0xFFFF, kMaxCodePoint};

int utf8_length(uint32_t cp) {
  for (int n = 0; n < 4; ++n) {
    if (cp <= kLastOfLength[n]) return n + 1;
  }
  return 4;
}

ByteSet byte_range(uint32_t lo, uint32_t hi) {
  ByteSet set;
  for (uint32_t b = lo; b <= hi; ++b) set.set(b);
  return set;
}

// Appends the byte-set sequences of [lo, hi] (no surrogates inside) to `out`. A block whose low
// 6*i bits run over their full span at both ends is a product of byte ranges; anything else is
// cut at the first boundary that makes it one.
void split_range(uint32_t lo, uint32_t hi, std::vector<std::vector<ByteSet>>& out) {
  for (uint32_t last : kLastOfLength) {
    if (lo <= last && hi > last) {
      split_range(lo, last, out);
      split_range(last + 1, hi, out);
      return;
    }
  }
  const int n = utf8_length(lo);
  for (int i = 1; i < n; ++i) {
    const uint32_t low_bits = (1u << (6 * i)) - 1;
    if ((lo & ~low_bits) == (hi & ~low_bits)) continue;
    if ((lo & low_bits) != 0) {
      split_range(lo, lo | low_bits, out);
      split_range((lo | low_bits) + 1, hi, out);
      return;
    }
    if ((hi & low_bits) != low_bits) {
      split_range(lo, (hi & ~low_bits) - 1, out);
      split_range(hi & ~low_bits, hi, out);
      return;
    }
  }
  std::string a, b;
  append_utf8(lo, a);
  append_utf8(hi, b);
  std::vector<ByteSet> seq;
  for (size_t k = 0; k < a.size(); ++k) seq.push_back(byte_range(uint8_t(a[k]), uint8_t(b[k])));
  out.push_back(std::move(seq));
}

void append_words(const ByteSet& set, std::string& key) {
  const ByteSet mask(~0ull);
  for (int w = 0; w < 4; ++w) {
    const uint64_t word = ((set >> (64 * w)) & mask).to_ullong();
    key.append(reinterpret_cast<const char*>(&word), sizeof(word));
  }
}

// One merge pass at position `pos`: alternatives equal everywhere else become one whose set at
// `pos` is the union. Returns whether anything merged.
bool merge_at(size_t pos, std::vector<std::vector<ByteSet>>& alts) {
  std::map<std::string, size_t> first_with_key;
  std::vector<std::vector<ByteSet>> kept;
  bool merged = false;
  for (auto& alt : alts) {
    if (pos >= alt.size()) {
      kept.push_back(std::move(alt));
      continue;
    }
    std::string key(1, char(alt.size()));
    for (size_t k = 0; k < alt.size(); ++k) {
      if (k != pos) append_words(alt[k], key);
    }
    auto [it, inserted] = first_with_key.emplace(std::move(key), kept.size());
    if (inserted) {
      kept.push_back(std::move(alt));
    } else {
      kept[it->second][pos] |= alt[pos];
      merged = true;
    }
  }
  alts = std::move(kept);
  return merged;
}

}  // namespace

void append_utf8(uint32_t cp, std::string& out) {
  if (cp < 0x80) {
    out += char(cp);
  } else if (cp < 0x800) {
    out += char(0xC0 | (cp >> 6));
    out += char(0x80 | (cp & 0x3F));
  } else if (cp < 0x10000) {
    out += char(0xE0 | (cp >> 12));
    out += char(0x80 | ((cp >> 6) & 0x3F));
    out += char(0x80 | (cp & 0x3F));
  } else {
    out += char(0xF0 | (cp >> 18));
    out += char(0x80 | ((cp >> 12) & 0x3F));
    out += char(0x80 | ((cp >> 6) & 0x3F));
    out += char(0x80 | (cp & 0x3F));
  }
}

std::vector<CodePointRange> normalize_ranges(std::vector<CodePointRange> ranges) {
  std::vector<CodePointRange> cut;
  for (CodePointRange r : ranges) {
    if (r.lo > r.hi || r.lo > kMaxCodePoint) continue;
    r.hi = std::min(r.hi, kMaxCodePoint);
    if (r.hi < kSurrogateLo || r.lo > kSurrogateHi) {
      cut.push_back(r);
      continue;
    }
    if (r.lo < kSurrogateLo) cut.push_back({r.lo, kSurrogateLo - 1});
    if (r.hi > kSurrogateHi) cut.push_back({kSurrogateHi + 1, r.hi});
  }
  std::sort(cut.begin(), cut.end(), [](const CodePointRange& a, const CodePointRange& b) { return a.lo < b.lo; });
  std::vector<CodePointRange> out;
  for (const CodePointRange& r : cut) {
    // Touching across the surrogate gap counts as touching: the gap holds no scalar values.
    const uint32_t reach = out.empty() ? 0 : (out.back().hi == kSurrogateLo - 1 ? kSurrogateHi + 1 : out.back().hi + 1);
    if (!out.empty() && r.lo <= reach) {
      out.back().hi = std::max(out.back().hi, r.hi);
    } else {
      out.push_back(r);
    }
  }
  return out;
}

std::vector<CodePointRange> complement_ranges(const std::vector<CodePointRange>& ranges) {
  const std::vector<CodePointRange> in = normalize_ranges(ranges);
  std::vector<CodePointRange> out;
  uint32_t next = 0;
  for (const CodePointRange& r : in) {
    if (r.lo > next) out.push_back({next, r.lo - 1});
    next = r.hi + 1;
  }
  if (next <= kMaxCodePoint) out.push_back({next, kMaxCodePoint});
  return normalize_ranges(std::move(out));
}

std::vector<std::vector<ByteSet>> utf8_sequences(const std::vector<CodePointRange>& ranges) {
  std::vector<std::vector<ByteSet>> alts;
  for (const CodePointRange& r : normalize_ranges(ranges)) {
    // A normalized range may span the surrogate gap (merged across it); encode both sides.
    if (r.lo < kSurrogateLo && r.hi > kSurrogateHi) {
      split_range(r.lo, kSurrogateLo - 1, alts);
      split_range(kSurrogateHi + 1, r.hi, alts);
    } else {
      split_range(r.lo, r.hi, alts);
    }
  }
  for (bool changed = true; changed;) {
    changed = false;
    for (size_t pos = 4; pos-- > 0;) changed |= merge_at(pos, alts);
  }
  return alts;
}

}  // namespace herd::grammar
