#include "tokenizer/bpe_merges.h"

#include <optional>
#include <string>
#include <string_view>

namespace herd {

BpeMergeTable BpeMergeTable::build(const Vocab& vocab) {
  BpeMergeTable t;
  const auto merges = vocab.merges();
  if (merges.empty()) return t;
  size_t cap = 16;
  int bits = 4;
  while (cap < 2 * merges.size()) {
    cap *= 2;
    ++bits;
  }
  t.slots_.assign(cap, Slot{kEmpty, -1, -1});
  t.mask_ = cap - 1;
  t.shift_ = 64 - bits;
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
    t.insert(*l, *r, static_cast<int32_t>(rank), *id);
  }
  return t;
}

void BpeMergeTable::insert(int32_t left, int32_t right, int32_t rank, int32_t id) {
  const uint64_t key = pack(left, right);
  for (size_t i = slot_of(key);; i = (i + 1) & mask_) {
    Slot& s = slots_[i];
    if (s.key == key) return;  // a duplicate pair keeps its first rank
    if (s.key == kEmpty) {
      s = {key, rank, id};
      ++size_;
      return;
    }
  }
}

}  // namespace herd
