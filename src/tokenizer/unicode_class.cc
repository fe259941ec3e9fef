#include "tokenizer/unicode_class.h"

#include <string>
#include <unordered_map>
#include <vector>

namespace herd {
namespace unicode_class_detail {
namespace {

// PCRE2's \s with UCP: category Z, the ASCII controls TAB..CR, and two code points it
// still counts from older Unicode versions (NEL U+0085, MONGOLIAN VOWEL SEPARATOR U+180E).
bool is_pcre_space(uint32_t cp) {
  if (cp >= 0x09 && cp <= 0x0D) return true;
  if (cp >= 0x2000 && cp <= 0x200A) return true;
  switch (cp) {
    case 0x20: case 0x85: case 0xA0: case 0x1680: case 0x180E: case 0x2028: case 0x2029:
    case 0x202F: case 0x205F: case 0x3000:
      return true;
    default:
      return false;
  }
}

void mark(std::vector<uint8_t>& flags, const unicode_tables::CodepointRange* r, size_t n,
          uint8_t bit) {
  for (size_t i = 0; i < n; ++i) {
    for (uint32_t cp = r[i].first; cp <= r[i].last; ++cp) flags[cp] |= bit;
  }
}

struct Built {
  Table table;
  std::vector<uint8_t> blocks;  // the distinct 256-entry blocks, end to end
};

Built build() {
  // Flat first (1.1 MB, freed on return), then each 256-code-point block stored once:
  // most blocks are all "other" or all letters, so the result is a few tens of KB.
  std::vector<uint8_t> flags(0x110000, 0);
  mark(flags, unicode_tables::kLetter, unicode_tables::kLetterCount, kClassLetter);
  mark(flags, unicode_tables::kNumber, unicode_tables::kNumberCount, kClassNumber);
  for (uint32_t cp = 0; cp < 0x3001; ++cp) {
    if (is_pcre_space(cp)) flags[cp] |= kClassSpace;
  }
  flags['\r'] |= kClassCrLf;
  flags['\n'] |= kClassCrLf;
  Built b;
  std::unordered_map<std::string, uint16_t> seen;
  for (size_t block = 0; block < b.table.stage1.size(); ++block) {
    std::string key(reinterpret_cast<const char*>(flags.data() + block * 256), 256);
    const auto [it, inserted] = seen.emplace(std::move(key), static_cast<uint16_t>(seen.size()));
    if (inserted) b.blocks.insert(b.blocks.end(), flags.begin() + block * 256, flags.begin() + (block + 1) * 256);
    b.table.stage1[block] = it->second;
  }
  b.table.stage2 = b.blocks.data();
  return b;
}

constexpr std::array<uint8_t, 128> ascii_classes() {
  std::array<uint8_t, 128> a{};
  for (int c = 0; c < 128; ++c) {
    if ((c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z')) a[c] = kClassLetter;
    if (c >= '0' && c <= '9') a[c] = kClassNumber;
    if (c == ' ' || (c >= 0x09 && c <= 0x0D)) a[c] = kClassSpace;
  }
  a['\r'] |= kClassCrLf;
  a['\n'] |= kClassCrLf;
  return a;
}

}  // namespace

const std::array<uint8_t, 128> kAscii = ascii_classes();

const Table& table() {
  static const Built built = build();
  return built.table;
}

}  // namespace unicode_class_detail

void unicode_class_warm_up() { unicode_class_detail::table(); }

}  // namespace herd
