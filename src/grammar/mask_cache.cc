#include "grammar/mask_cache.h"

namespace herd::grammar {

std::shared_ptr<const TokenMask> MaskCache::find(const StateKey& key) {
  std::lock_guard<std::mutex> lock(mu_);
  const auto it = entries_.find(key);
  if (it == entries_.end()) return nullptr;
  recent_.splice(recent_.begin(), recent_, it->second.recent);
  ++hits_;
  return it->second.mask;
}

std::shared_ptr<const TokenMask> MaskCache::insert(const StateKey& key, std::shared_ptr<const TokenMask> mask) {
  std::lock_guard<std::mutex> lock(mu_);
  const auto [it, inserted] = entries_.try_emplace(key, Entry{std::move(mask), {}});
  if (!inserted) {
    recent_.splice(recent_.begin(), recent_, it->second.recent);
    return it->second.mask;
  }
  recent_.push_front(&it->first);
  it->second.recent = recent_.begin();
  if (entries_.size() > capacity_) {
    const StateKey* oldest = recent_.back();
    recent_.pop_back();
    entries_.erase(*oldest);
  }
  return it->second.mask;
}

size_t MaskCache::size() const {
  std::lock_guard<std::mutex> lock(mu_);
  return entries_.size();
}

size_t MaskCache::hits() const {
  std::lock_guard<std::mutex> lock(mu_);
  return hits_;
}

}  // namespace herd::grammar
