#include "tokenizer/bpe_tokenizer.h"

#include <algorithm>
#include <limits>
#include <optional>
#include <span>
#include <utility>

#include "tokenizer/bpe_word_cache.h"
#include "tokenizer/bpe_word_hash.h"
#include "tokenizer/byte_level.h"

namespace herd {
namespace {

constexpr int32_t kNoRank = std::numeric_limits<int32_t>::max();
constexpr int32_t kDead = -2;  // a symbol merged into its left neighbour

// A candidate merge in the priority queue of a long word.
struct Candidate {
  int32_t rank;
  int32_t left;  // symbol index
  int32_t left_id;
  int32_t right_id;
};

// Heap order: the top is the lowest rank, then the leftmost.
bool after(const Candidate& a, const Candidate& b) {
  if (a.rank != b.rank) return a.rank > b.rank;
  return a.left > b.left;
}

}  // namespace

struct BpeTokenizer::Scratch {
  BpePreTokenizer::Scratch pre;
  BpeWordCache* cache = nullptr;  // this thread's, for this tokenizer
  std::vector<int32_t> ids;     // the word's symbols, as token ids
  std::vector<int32_t> ranks;   // short words: rank of (ids[i], ids[i + 1]), kNoRank if none
  std::vector<int32_t> next;    // long words: linked list of live symbols
  std::vector<int32_t> prev;
  std::vector<Candidate> heap;  // long words
};

Result<std::unique_ptr<Tokenizer>> BpeTokenizer::create(Vocab vocab) {
  HERD_ASSIGN_OR_RETURN(BpePreConfig config, bpe_pre_config(vocab.pre()));
  HERD_ASSIGN_OR_RETURN(BpePreTokenizer pre, BpePreTokenizer::create(config.patterns));
  HERD_ASSIGN_OR_RETURN(BpeMergeTable merges, BpeMergeTable::build(vocab));
  return std::unique_ptr<Tokenizer>(new BpeTokenizer(std::move(vocab), std::move(pre),
                                                     std::move(merges), config.ignore_merges));
}

BpeTokenizer::BpeTokenizer(Vocab vocab, BpePreTokenizer pre, BpeMergeTable merges,
                           bool ignore_merges)
    : Tokenizer(std::move(vocab)),
      pre_(std::move(pre)),
      merges_(std::move(merges)),
      ignore_merges_(ignore_merges),
      instance_(BpeWordCache::new_owner_id()) {
  if (ignore_merges_) whole_words_ = TokenBytesIndex::build(vocab_);
  std::string s;
  for (int b = 0; b < 256; ++b) {
    s.clear();
    append_utf8(byte_to_codepoint(static_cast<uint8_t>(b)), s);
    const std::optional<int32_t> id = vocab_.find(s);
    byte_ids_[b] = id ? *id : -1;
  }
}

void BpeTokenizer::encode_fragment(std::string_view text, std::vector<int32_t>& out) const {
  Scratch s;
  s.cache = &BpeWordCache::for_owner(instance_);
  pre_.for_each_word(text, s.pre, [&](std::string_view word) { encode_word(word, s, out); });
}

void BpeTokenizer::emit(int32_t id, std::vector<int32_t>& out) const {
  if (id >= 0) {
    out.push_back(id);
  } else if (vocab_.unk_id() >= 0) {
    out.push_back(vocab_.unk_id());
  }
  // A byte the vocab cannot spell, with no unknown token, is dropped (as llama.cpp does).
}

void BpeTokenizer::encode_word(std::string_view word, Scratch& s, std::vector<int32_t>& out) const {
  if (word.size() == 1) {
    emit(byte_ids_[static_cast<uint8_t>(word[0])], out);
    return;
  }
  // One hash serves both lookups below.
  const bool short_word = word.size() <= TokenBytesIndex::kMaxLen;
  const uint64_t head = short_word ? word_head(word) : 0;
  const uint64_t hash = short_word ? word_hash(word, head) : 0;
  if (ignore_merges_) {
    int32_t id = -1;
    if (short_word) {
      id = whole_words_.find(word, head, hash);
    } else {
      std::string spelled;
      byte_level_encode(word, spelled);
      id = vocab_.find(spelled).value_or(-1);
    }
    if (id >= 0) {
      out.push_back(id);
      return;
    }
  }
  static_assert(BpeWordCache::kMaxWord <= TokenBytesIndex::kMaxLen);
  BpeWordCache* cache = word.size() <= BpeWordCache::kMaxWord ? s.cache : nullptr;
  if (cache != nullptr && cache->find(word, hash, out)) return;
  const size_t first = out.size();
  s.ids.clear();
  for (char c : word) s.ids.push_back(byte_ids_[static_cast<uint8_t>(c)]);
  if (word.size() <= kShortWord) {
    merge_short(s, out);
  } else {
    merge_long(s, out);
  }
  if (cache != nullptr) cache->insert(word, hash, std::span<const int32_t>(out).subspan(first));
}

void BpeTokenizer::merge_short(Scratch& s, std::vector<int32_t>& out) const {
  std::vector<int32_t>& ids = s.ids;
  std::vector<int32_t>& ranks = s.ranks;
  size_t n = ids.size();
  ranks.resize(n - 1);
  auto look = [&](size_t i) {
    const int32_t rank = merges_.rank(ids[i], ids[i + 1]);
    ranks[i] = rank >= 0 ? rank : kNoRank;
  };
  for (size_t i = 0; i + 1 < n; ++i) look(i);
  while (n > 1) {
    size_t best = 0;
    for (size_t i = 1; i + 1 < n; ++i) {
      if (ranks[i] < ranks[best]) best = i;
    }
    if (ranks[best] == kNoRank) break;
    ids[best] = merges_.merged(ranks[best]);
    // Drop symbol best + 1 and pair `best`; the pairs on both sides of the new symbol change.
    std::copy(ids.begin() + best + 2, ids.begin() + n, ids.begin() + best + 1);
    std::copy(ranks.begin() + best + 1, ranks.begin() + (n - 1), ranks.begin() + best);
    --n;
    if (best + 1 < n) look(best);
    if (best > 0) look(best - 1);
  }
  for (size_t i = 0; i < n; ++i) emit(ids[i], out);
}

void BpeTokenizer::merge_long(Scratch& s, std::vector<int32_t>& out) const {
  std::vector<int32_t>& ids = s.ids;
  const auto n = static_cast<int32_t>(ids.size());
  s.next.resize(n);
  s.prev.resize(n);
  for (int32_t i = 0; i < n; ++i) {
    s.prev[i] = i - 1;
    s.next[i] = i + 1 < n ? i + 1 : -1;
  }
  std::vector<Candidate>& heap = s.heap;
  heap.clear();
  auto push = [&](int32_t left, int32_t right) {
    if (left < 0 || right < 0) return;
    const int32_t rank = merges_.rank(ids[left], ids[right]);
    if (rank < 0) return;
    heap.push_back({rank, left, ids[left], ids[right]});
    std::push_heap(heap.begin(), heap.end(), after);
  };
  for (int32_t i = 0; i + 1 < n; ++i) push(i, i + 1);
  while (!heap.empty()) {
    std::pop_heap(heap.begin(), heap.end(), after);
    const Candidate c = heap.back();
    heap.pop_back();
    const int32_t right = s.next[c.left];
    // Stale when either symbol has changed since the candidate was queued.
    if (ids[c.left] != c.left_id || right < 0 || ids[right] != c.right_id) continue;
    ids[c.left] = merges_.merged(c.rank);
    ids[right] = kDead;
    s.next[c.left] = s.next[right];
    if (s.next[right] >= 0) s.prev[s.next[right]] = c.left;
    push(s.prev[c.left], c.left);
    push(c.left, s.next[c.left]);
  }
  for (int32_t i = 0; i >= 0; i = s.next[i]) emit(ids[i], out);
}

std::string BpeTokenizer::text_piece(TokenType type, std::string_view text) const {
  if (type == TokenType::kUserDefined) return std::string(text);
  std::string piece;
  piece.reserve(text.size());
  byte_level_decode(text, piece);
  return piece;
}

}  // namespace herd
