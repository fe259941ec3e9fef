#include "tokenizer/bpe_word_cache.h"

#include <array>
#include <atomic>
#include <cstring>

namespace herd {

uint64_t BpeWordCache::new_owner_id() {
  static std::atomic<uint64_t> next{1};
  return next.fetch_add(1, std::memory_order_relaxed);
}

BpeWordCache& BpeWordCache::for_owner(uint64_t owner) {
  // Four tokenizers per thread (a router with a small and a big model, say); the least
  // recently claimed slot is recycled.
  struct Slots {
    std::array<BpeWordCache, 4> caches;
    size_t next = 0;
  };
  thread_local Slots slots;
  for (BpeWordCache& c : slots.caches) {
    if (c.owner_ == owner) return c;
  }
  BpeWordCache& c = slots.caches[slots.next];
  slots.next = (slots.next + 1) % slots.caches.size();
  c.clear();
  c.owner_ = owner;
  return c;
}

void BpeWordCache::clear() {
  slots_.clear();
  keys_.clear();
  ids_.clear();
  size_ = 0;
}

// The slot holding `word`, or the empty slot where it would go. The table is never full.
size_t BpeWordCache::slot_for(std::string_view word, uint64_t hash) const {
  const size_t mask = slots_.size() - 1;
  const auto tag = static_cast<uint32_t>(hash >> 32);
  for (size_t i = hash & mask;; i = (i + 1) & mask) {
    const Slot& s = slots_[i];
    if (s.used == 0) return i;
    if (s.tag == tag && s.key_len == word.size() &&
        std::memcmp(keys_.data() + s.key_off, word.data(), word.size()) == 0) {
      return i;
    }
  }
}

bool BpeWordCache::find(std::string_view word, uint64_t hash, std::vector<int32_t>& out) const {
  if (slots_.empty() || word.size() > kMaxWord) return false;
  const Slot& s = slots_[slot_for(word, hash)];
  if (s.used == 0) return false;
  out.insert(out.end(), ids_.begin() + s.ids_off, ids_.begin() + s.ids_off + s.n_ids);
  return true;
}

void BpeWordCache::grow() {
  std::vector<Slot> old = std::move(slots_);
  slots_.assign(old.empty() ? kFirstSlots : 2 * old.size(), Slot{});
  for (const Slot& s : old) {
    if (s.used == 0) continue;
    const std::string_view key(keys_.data() + s.key_off, s.key_len);
    slots_[slot_for(key, word_hash(key))] = s;
  }
}

void BpeWordCache::insert(std::string_view word, uint64_t hash, std::span<const int32_t> ids) {
  if (word.size() > kMaxWord || ids.size() > kMaxWord) return;
  if (size_ >= kMaxEntries) clear();
  if (2 * (size_ + 1) > slots_.size()) grow();
  const size_t i = slot_for(word, hash);
  if (slots_[i].used != 0) return;  // already known
  slots_[i] = {static_cast<uint32_t>(hash >> 32), static_cast<uint32_t>(keys_.size()),
               static_cast<uint32_t>(ids_.size()), static_cast<uint8_t>(word.size()),
               static_cast<uint8_t>(ids.size()), 1, 0};
  keys_.append(word);
  ids_.insert(ids_.end(), ids.begin(), ids.end());
  ++size_;
}

}  // namespace herd
