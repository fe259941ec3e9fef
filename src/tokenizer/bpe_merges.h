// The merge list of a BPE vocab as a hash table keyed by the pair of token ids, so the
// merge loop looks up (left id, right id) -> (rank, merged id) without building strings.
#pragma once

#include <cstdint>
#include <vector>

#include "tokenizer/vocab.h"

namespace herd {

class BpeMergeTable {
 public:
  struct Merge {
    int32_t rank = -1;  // -1: the pair does not merge
    int32_t id = -1;    // the token the pair becomes
  };

  // From vocab.merges(): "left right" at index i has rank i. Entries whose parts or
  // concatenation are not tokens of the vocab are skipped (no tokenizer could produce
  // them); of duplicate pairs the first (lowest rank) counts.
  static BpeMergeTable build(const Vocab& vocab);

  Merge find(int32_t left, int32_t right) const {
    if (slots_.empty()) return {};
    const uint64_t key = pack(left, right);
    for (size_t i = slot_of(key);; i = (i + 1) & mask_) {
      const Slot& s = slots_[i];
      if (s.key == key) return {s.rank, s.id};
      if (s.key == kEmpty) return {};
    }
  }
  size_t size() const { return size_; }

 private:
  struct Slot {
    uint64_t key;
    int32_t rank;
    int32_t id;
  };
  static constexpr uint64_t kEmpty = ~uint64_t{0};

  static uint64_t pack(int32_t left, int32_t right) {
    return (static_cast<uint64_t>(static_cast<uint32_t>(left)) << 32) | static_cast<uint32_t>(right);
  }
  size_t slot_of(uint64_t key) const {
    return static_cast<size_t>((key * 0x9E3779B97F4A7C15ull) >> shift_);
  }
  void insert(int32_t left, int32_t right, int32_t rank, int32_t id);

  std::vector<Slot> slots_;
  size_t mask_ = 0;
  int shift_ = 64;
  size_t size_ = 0;
};

}  // namespace herd
