// A per-thread memo of BPE results, word bytes -> token ids, as Hugging Face's BPE keeps
// one: natural text repeats its words, and a hit skips the merge loop. Each thread
// keeps caches for the few tokenizers it used last (keyed by a unique instance number,
// never by address), so const encoding stays lock-free. A cache that fills up is
// cleared, which bounds its memory (about 2 MiB per tokenizer per thread).
//
// It is a flat open-addressing table over two arenas (key bytes, ids) rather than a
// node-based map: a lookup is one probe into 16-byte slots and one compare, with no
// allocation per entry, and the word's hash comes from the caller, which computed it
// already for the whole-word index (bpe_word_hash.h).
#pragma once

#include <cstdint>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "tokenizer/bpe_word_hash.h"

namespace herd {

class BpeWordCache {
 public:
  static constexpr size_t kMaxEntries = 16384;
  static constexpr size_t kMaxWord = 64;  // longer words are not cached

  // This thread's cache for tokenizer instance `owner` (a fresh one if it had none).
  static BpeWordCache& for_owner(uint64_t owner);
  // A unique number for a new tokenizer instance.
  static uint64_t new_owner_id();

  // The ids of `word`, appended to `out`, or false. `hash` is word_hash(word).
  bool find(std::string_view word, uint64_t hash, std::vector<int32_t>& out) const;
  bool find(std::string_view word, std::vector<int32_t>& out) const {
    return find(word, word_hash(word), out);
  }
  // Remembers `ids` for `word` (ignored for words over kMaxWord bytes or already in).
  void insert(std::string_view word, uint64_t hash, std::span<const int32_t> ids);
  void insert(std::string_view word, std::span<const int32_t> ids) {
    insert(word, word_hash(word), ids);
  }
  size_t size() const { return size_; }

 private:
  struct Slot {
    uint32_t tag;      // the hash's high half, to skip most non-matching keys unread
    uint32_t key_off;  // in keys_
    uint32_t ids_off;  // in ids_
    uint8_t key_len;
    uint8_t n_ids;
    uint8_t used;  // 0: an empty slot
    uint8_t unused;
  };
  static_assert(sizeof(Slot) == 16);
  static_assert(kMaxWord <= 255);  // key_len and n_ids (at most one id per byte) fit a byte

  // The table starts small and doubles up to twice kMaxEntries slots, so a short text
  // does not pay for touching the whole table.
  static constexpr size_t kFirstSlots = 1024;

  void clear();
  void grow();
  size_t slot_for(std::string_view word, uint64_t hash) const;

  uint64_t owner_ = 0;
  std::vector<Slot> slots_;  // a power of two, at most half full
  std::string keys_;
  std::vector<int32_t> ids_;
  size_t size_ = 0;
};

}  // namespace herd
