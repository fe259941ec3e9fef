#include "tokenizer/bpe_merges.h"

#include <bit>
#include <optional>
#include <string>
#include <string_view>

namespace herd {

Result<BpeMergeTable> BpeMergeTable::build(const Vocab& vocab) {
  BpeMergeTable t;
  const auto merges = vocab.merges();
  if (vocab.n_tokens() == 0) return t;
  t.n_tokens_ = static_cast<uint64_t>(vocab.n_tokens());
  // Keys run up to n_tokens^2 in the high bits; the rank takes the bits below them.
  const int key_bits = std::bit_width(t.n_tokens_ * t.n_tokens_);
  t.rank_bits_ = 64 - key_bits;
  t.rank_mask_ = (uint64_t{1} << t.rank_bits_) - 1;
  if (key_bits > 40 || merges.size() > t.rank_mask_) {
    return unsupported("BPE vocab of " + std::to_string(vocab.n_tokens()) + " tokens and " +
                       std::to_string(merges.size()) + " merges is too large");
  }
  // At most ~60% full: linear probing then stays within a cache line or two.
  size_t cap = 16;
  int bits = 4;
  while (cap * 3 < merges.size() * 5) {
    cap *= 2;
    ++bits;
  }
  t.slots_.assign(cap, 0);
  t.mask_ = cap - 1;
  t.shift_ = 64 - bits;
  t.results_.assign(merges.size(), -1);
  std::string joined;
  for (size_t rank = 0; rank < merges.size(); ++rank) {
    const std::string_view m = merges[rank];
    // The separator is the first space after the first character, so that a left
    // part may itself be a space in vocabs that are not byte-level.
    const size_t sp = m.find(' ', 1);
    if (sp == std::string_view::npos) continue;
    const std::string_view left = m.substr(0, sp);
    const std::string_view right = m.substr(sp + 1);
    const std::optional<int32_t> l = vocab.find(left);
    const std::optional<int32_t> r = vocab.find(right);
    if (!l || !r) continue;
    joined.assign(left);
    joined += right;
    const std::optional<int32_t> id = vocab.find(joined);
    if (!id) continue;
    t.insert(static_cast<uint32_t>(*l), static_cast<uint32_t>(*r), static_cast<int32_t>(rank), *id);
  }
  return t;
}

void BpeMergeTable::insert(uint32_t left, uint32_t right, int32_t rank, int32_t id) {
  const uint64_t key = pack(left, right);
  for (size_t i = slot_of(key);; i = (i + 1) & mask_) {
    uint64_t& s = slots_[i];
    if ((s >> rank_bits_) == key) return;  // a duplicate pair keeps its first rank
    if (s == 0) {
      s = key << rank_bits_ | static_cast<uint64_t>(rank);
      results_[static_cast<size_t>(rank)] = id;
      ++size_;
      return;
    }
  }
}

}  // namespace herd
