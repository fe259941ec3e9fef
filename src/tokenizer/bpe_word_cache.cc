#include "tokenizer/bpe_word_cache.h"

#include <array>
#include <atomic>

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

bool BpeWordCache::find(std::string_view word, std::vector<int32_t>& out) const {
  const auto it = map_.find(word);
  if (it == map_.end()) return false;
  const auto offset = static_cast<size_t>(it->second >> 32);
  const auto count = static_cast<size_t>(it->second & 0xFFFFFFFFu);
  out.insert(out.end(), pool_.begin() + static_cast<std::ptrdiff_t>(offset),
             pool_.begin() + static_cast<std::ptrdiff_t>(offset + count));
  return true;
}

void BpeWordCache::insert(std::string_view word, std::span<const int32_t> ids) {
  if (word.size() > kMaxWord) return;
  if (map_.size() >= kMaxEntries) clear();
  const uint64_t value = static_cast<uint64_t>(pool_.size()) << 32 | ids.size();
  if (map_.emplace(std::string(word), value).second) pool_.insert(pool_.end(), ids.begin(), ids.end());
}

}  // namespace herd
