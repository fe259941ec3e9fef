#include "tokenizer/token_bytes_index.h"

#include <cstring>

#include "tokenizer/byte_level.h"

namespace herd {

uint64_t TokenBytesIndex::hash(std::string_view s) {
  // Eight bytes at a time, multiply-xorshift mixed: words are short, so this beats
  // std::hash's general-purpose loop.
  uint64_t h = 0x9E3779B97F4A7C15ull ^ (s.size() * 0xFF51AFD7ED558CCDull);
  size_t i = 0;
  for (; i + 8 <= s.size(); i += 8) {
    uint64_t w;
    std::memcpy(&w, s.data() + i, 8);
    h = (h ^ w) * 0xC4CEB9FE1A85EC53ull;
    h ^= h >> 29;
  }
  if (i < s.size()) {
    uint64_t w = 0;
    std::memcpy(&w, s.data() + i, s.size() - i);
    h = (h ^ w) * 0xC4CEB9FE1A85EC53ull;
    h ^= h >> 29;
  }
  h *= 0xFF51AFD7ED558CCDull;
  return h ^ (h >> 32);
}

TokenBytesIndex TokenBytesIndex::build(const Vocab& vocab) {
  TokenBytesIndex t;
  t.offsets_.push_back(0);
  std::string raw, respelled;
  for (int32_t id = 0; id < vocab.n_tokens(); ++id) {
    const std::string_view text = vocab.text(id);
    if (text.empty()) continue;
    raw.clear();
    byte_level_decode(text, raw);
    respelled.clear();
    byte_level_encode(raw, respelled);
    if (respelled != text) continue;  // not purely in the byte alphabet
    t.bytes_ += raw;
    t.offsets_.push_back(static_cast<uint32_t>(t.bytes_.size()));
    t.ids_.push_back(id);
  }
  size_t cap = 16;
  while (cap < 2 * t.ids_.size()) cap *= 2;
  t.slots_.assign(cap, 0);
  t.mask_ = cap - 1;
  for (uint32_t e = 0; e < t.ids_.size(); ++e) {
    const std::string_view k = t.key(e);
    size_t i = hash(k) & t.mask_;
    while (t.slots_[i] != 0 && t.key(t.slots_[i] - 1) != k) i = (i + 1) & t.mask_;
    t.slots_[i] = e + 1;  // a later (higher) id with the same bytes replaces the earlier
  }
  return t;
}

int32_t TokenBytesIndex::find(std::string_view bytes) const {
  if (slots_.empty()) return -1;
  for (size_t i = hash(bytes) & mask_;; i = (i + 1) & mask_) {
    const uint32_t s = slots_[i];
    if (s == 0) return -1;
    if (key(s - 1) == bytes) return ids_[s - 1];
  }
}

}  // namespace herd
