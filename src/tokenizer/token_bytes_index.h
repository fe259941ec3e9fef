// A hash index from the bytes a byte-level token stands for to its id. It lets BPE ask
// "is this raw word one token?" (ignore_merges) without spelling the word in the byte
// alphabet first: the hot lookup of Llama 3 and Tekken encoding.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "tokenizer/vocab.h"

namespace herd {

class TokenBytesIndex {
 public:
  // Every token whose text is spelled entirely in the byte alphabet, keyed by the
  // bytes that text stands for; of tokens with equal texts the highest id counts (as
  // Vocab::find). So find(bytes) == Vocab::find(byte-level spelling of bytes).
  static TokenBytesIndex build(const Vocab& vocab);

  // The token that stands for exactly `bytes`, or -1.
  int32_t find(std::string_view bytes) const;

 private:
  static uint64_t hash(std::string_view s);
  std::string_view key(uint32_t entry) const {
    return std::string_view(bytes_).substr(offsets_[entry], offsets_[entry + 1] - offsets_[entry]);
  }

  std::string bytes_;              // the keys end to end
  std::vector<uint32_t> offsets_;  // entry i is [offsets_[i], offsets_[i + 1])
  std::vector<int32_t> ids_;
  std::vector<uint32_t> slots_;    // entry + 1; 0 = empty
  size_t mask_ = 0;
};

}  // namespace herd
