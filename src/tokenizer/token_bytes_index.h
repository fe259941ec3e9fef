// A hash index from the bytes a byte-level token stands for to its id. It lets BPE ask
// "is this raw word one token?" (ignore_merges) without spelling the word in the byte
// alphabet first: the hot lookup of Llama 3 and Tekken encoding. A slot holds a key's
// first 8 bytes, so most lookups touch one cache line. Keys hash with bpe_word_hash.h,
// so a caller can hash a word once for this index and the word cache.
#pragma once

#include <cstdint>
#include <cstring>
#include <string>
#include <string_view>
#include <vector>

#include "tokenizer/bpe_word_hash.h"
#include "tokenizer/vocab.h"

namespace herd {

class TokenBytesIndex {
 public:
  // Longer keys are not indexed; callers look those up in the Vocab.
  static constexpr size_t kMaxLen = 255;

  // Every token whose text is spelled entirely in the byte alphabet and stands for at
  // most kMaxLen bytes, keyed by those bytes; of tokens with equal texts the highest id
  // counts (as Vocab::find). So find(bytes) == Vocab::find(byte-level spelling of bytes)
  // for any `bytes` of at most kMaxLen.
  static TokenBytesIndex build(const Vocab& vocab);

  // The token that stands for exactly `bytes`, or -1.
  int32_t find(std::string_view bytes) const {
    const uint64_t head = word_head(bytes);
    return find(bytes, head, word_hash(bytes, head));
  }
  // The same, with word_head(bytes) and word_hash(bytes) already computed.
  int32_t find(std::string_view bytes, uint64_t head, uint64_t hash) const {
    if (slots_.empty() || bytes.size() > kMaxLen) return -1;
    for (size_t i = hash & mask_;; i = (i + 1) & mask_) {
      const Slot& s = slots_[i];
      if (s.id < 0) return -1;
      if (s.head == head && (s.off_len & 0xFF) == bytes.size() &&
          (bytes.size() <= 8 ||
           std::memcmp(bytes_.data() + (s.off_len >> 8) + 8, bytes.data() + 8, bytes.size() - 8) == 0)) {
        return s.id;
      }
    }
  }

 private:
  struct Slot {
    uint64_t head;     // the first 8 bytes of the key, zero-padded
    int32_t id;        // -1: empty
    uint32_t off_len;  // offset of the key in bytes_ << 8 | its length
  };
  std::string bytes_;  // the keys end to end
  std::vector<Slot> slots_;
  size_t mask_ = 0;
};

}  // namespace herd
