// A per-thread memo of BPE results, word bytes -> token ids, as Hugging Face's BPE keeps
// one: natural text repeats its words, and a hit skips the merge loop. Each thread
// keeps caches for the few tokenizers it used last (keyed by a unique instance number,
// never by address), so const encoding stays lock-free. A cache that fills up is
// cleared, which bounds its memory (about 2 MiB per tokenizer per thread).
#pragma once

#include <cstdint>
#include <span>
#include <string>
#include <string_view>
#include <unordered_map>
#include <vector>

namespace herd {

class BpeWordCache {
 public:
  static constexpr size_t kMaxEntries = 16384;
  static constexpr size_t kMaxWord = 64;  // longer words are not cached

  // This thread's cache for tokenizer instance `owner` (a fresh one if it had none).
  static BpeWordCache& for_owner(uint64_t owner);
  // A unique number for a new tokenizer instance.
  static uint64_t new_owner_id();

  // The ids of `word`, or false.
  bool find(std::string_view word, std::vector<int32_t>& out) const;
  void insert(std::string_view word, std::span<const int32_t> ids);
  size_t size() const { return map_.size(); }

 private:
  struct Hash {
    using is_transparent = void;
    size_t operator()(std::string_view s) const { return std::hash<std::string_view>{}(s); }
  };
  struct Eq {
    using is_transparent = void;
    bool operator()(std::string_view a, std::string_view b) const { return a == b; }
  };
  void clear() {
    map_.clear();
    pool_.clear();
  }

  uint64_t owner_ = 0;
  // Value: offset << 32 | count of the word's ids in pool_.
  std::unordered_map<std::string, uint64_t, Hash, Eq> map_;
  std::vector<int32_t> pool_;
};

}  // namespace herd
