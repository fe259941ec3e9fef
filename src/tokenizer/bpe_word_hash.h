// Hashing of the short byte strings BPE looks up on every word (the whole-word index and
// the per-thread word cache), computed once per word and shared by both lookups.
// Loads are whole words of memory: assembling a key byte by byte into a stack slot and
// reading it back as 8 bytes stalls store-to-load forwarding, which showed up as a
// quarter of the time of a word lookup.
#pragma once

#include <bit>
#include <cstddef>
#include <cstdint>
#include <cstring>
#include <string_view>

namespace herd {

// The first min(8, size) bytes of `s` as a little-endian integer, zero-padded: equal
// for two strings of equal length exactly when their first 8 bytes are equal.
inline uint64_t word_head(std::string_view s) {
  const char* p = s.data();
  const size_t n = s.size();
  uint64_t v = 0;
  if constexpr (std::endian::native != std::endian::little) {
    std::memcpy(&v, p, n < 8 ? n : 8);
    return v;
  }
  if (n >= 8) {
    std::memcpy(&v, p, 8);
  } else if (n >= 4) {
    // Two 4-byte loads that overlap in the middle; the overlapping bytes agree.
    uint32_t lo, hi;
    std::memcpy(&lo, p, 4);
    std::memcpy(&hi, p + n - 4, 4);
    v = lo | static_cast<uint64_t>(hi) << (8 * (n - 4));
  } else if (n > 0) {
    v = static_cast<uint64_t>(static_cast<uint8_t>(p[0])) |
        static_cast<uint64_t>(static_cast<uint8_t>(p[n / 2])) << (8 * (n / 2)) |
        static_cast<uint64_t>(static_cast<uint8_t>(p[n - 1])) << (8 * (n - 1));
  }
  return v;
}

// A 64-bit hash of `s` whose low bits are well mixed (tables index by `hash & mask`).
// `head` must be word_head(s).
inline uint64_t word_hash(std::string_view s, uint64_t head) {
  constexpr uint64_t kMul = 0x9E3779B97F4A7C15ull;
  uint64_t h = (head ^ (s.size() * 0xFF51AFD7ED558CCDull)) * kMul;
  if (s.size() > 8) {
    // The middle eight bytes at a time, then the last eight (overlapping the previous
    // ones when the length is not a multiple of 8).
    const char* p = s.data();
    size_t i = 8;
    for (; i + 8 < s.size(); i += 8) {
      uint64_t w;
      std::memcpy(&w, p + i, 8);
      h = (h ^ (h >> 29) ^ w) * kMul;
    }
    uint64_t w;
    std::memcpy(&w, p + s.size() - 8, 8);
    h = (h ^ (h >> 29) ^ w) * kMul;
  }
  h ^= h >> 32;
  h *= 0xC4CEB9FE1A85EC53ull;
  return h ^ (h >> 29);
}

inline uint64_t word_hash(std::string_view s) { return word_hash(s, word_head(s)); }

}  // namespace herd
