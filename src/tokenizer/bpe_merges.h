// The merge list of a BPE vocab as a hash table keyed by the pair of token ids, so the
// merge loop looks up (left id, right id) -> rank without building strings.
//
// Every lookup of a word's merge loop lands on a random slot of a table of a few hundred
// thousand pairs (Llama 3: 280k), so the table's size decides how often that is a cache
// miss. A slot is one 64-bit word, the pair's key and its rank packed together (4 MiB
// for Llama 3, against 16 MiB for a key, rank, id struct at half load); the token a pair
// becomes is looked up by rank only when the pair is actually merged.
#pragma once

#include <cstdint>
#include <vector>

#include "base/status.h"
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
  // them); of duplicate pairs the first (lowest rank) counts. kUnsupported when the
  // vocab and merge list are too large to pack (over about 2^20 tokens).
  static Result<BpeMergeTable> build(const Vocab& vocab);

  // The rank of merging `left` then `right`, or -1. Ids outside the vocab (such as -1
  // for a byte the vocab cannot spell) merge with nothing.
  int32_t rank(int32_t left, int32_t right) const {
    const auto l = static_cast<uint32_t>(left);
    const auto r = static_cast<uint32_t>(right);
    if (l >= n_tokens_ || r >= n_tokens_) return -1;
    const uint64_t key = pack(l, r);
    for (size_t i = slot_of(key);; i = (i + 1) & mask_) {
      const uint64_t s = slots_[i];
      if ((s >> rank_bits_) == key) return static_cast<int32_t>(s & rank_mask_);
      if (s == 0) return -1;
    }
  }
  // The token that the merge of rank `rank` (>= 0, from rank()) produces.
  int32_t merged(int32_t rank) const { return results_[static_cast<size_t>(rank)]; }

  Merge find(int32_t left, int32_t right) const {
    const int32_t r = rank(left, right);
    return r < 0 ? Merge{} : Merge{r, merged(r)};
  }
  size_t size() const { return size_; }

 private:
  // Key 0 marks an empty slot, so keys start at 1.
  uint64_t pack(uint32_t left, uint32_t right) const {
    return static_cast<uint64_t>(left) * n_tokens_ + right + 1;
  }
  size_t slot_of(uint64_t key) const {
    return static_cast<size_t>((key * 0x9E3779B97F4A7C15ull) >> shift_);
  }
  void insert(uint32_t left, uint32_t right, int32_t rank, int32_t id);

  // key << rank_bits_ | rank; 0 when empty. Never empty itself, so rank() needs no
  // emptiness test.
  std::vector<uint64_t> slots_ = std::vector<uint64_t>(2, 0);
  std::vector<int32_t> results_;  // by rank: the merged token, -1 for skipped entries
  uint64_t n_tokens_ = 0;
  int rank_bits_ = 63;  // empty table: no key matches slot 0 shifted by this
  uint64_t rank_mask_ = 0;
  size_t mask_ = 0;
  int shift_ = 63;
  size_t size_ = 0;
};

}  // namespace herd
