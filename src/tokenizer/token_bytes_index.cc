#include "tokenizer/token_bytes_index.h"

#include "tokenizer/byte_level.h"

namespace herd {

TokenBytesIndex TokenBytesIndex::build(const Vocab& vocab) {
  TokenBytesIndex t;
  struct Key {
    uint32_t offset;
    uint32_t len;
    int32_t id;
  };
  std::vector<Key> keys;
  std::string raw, respelled;
  for (int32_t id = 0; id < vocab.n_tokens(); ++id) {
    const std::string_view text = vocab.text(id);
    if (text.empty()) continue;
    raw.clear();
    byte_level_decode(text, raw);
    respelled.clear();
    byte_level_encode(raw, respelled);
    if (respelled != text || raw.size() > kMaxLen) continue;  // not purely in the alphabet
    keys.push_back({static_cast<uint32_t>(t.bytes_.size()), static_cast<uint32_t>(raw.size()), id});
    t.bytes_ += raw;
  }
  if (t.bytes_.size() >= (1u << 24)) return TokenBytesIndex();  // offsets would not fit
  size_t cap = 16;
  while (cap < 2 * keys.size()) cap *= 2;
  t.slots_.assign(cap, Slot{0, -1, 0});
  t.mask_ = cap - 1;
  for (const Key& k : keys) {
    const std::string_view key = std::string_view(t.bytes_).substr(k.offset, k.len);
    size_t i = word_hash(key) & t.mask_;
    for (;; i = (i + 1) & t.mask_) {
      Slot& s = t.slots_[i];
      if (s.id < 0) break;
      const std::string_view other = std::string_view(t.bytes_).substr(s.off_len >> 8, s.off_len & 0xFF);
      if (other == key) break;  // a later (higher) id with the same bytes replaces the earlier
    }
    t.slots_[i] = {word_head(key), k.id, k.offset << 8 | k.len};
  }
  return t;
}

}  // namespace herd
