#include "kv/block_allocator.h"

#include <algorithm>
#include <cstdio>
#include <cstdlib>

namespace herd {
namespace {

// Only for broken invariants: a caller inside the engine used the allocator wrongly.
[[noreturn]] void fail(const char* what) {
  std::fprintf(stderr, "herd: block allocator: %s\n", what);
  std::abort();
}

// splitmix64's finalizer: every input bit flips about half the output bits.
uint64_t mix64(uint64_t x) {
  x ^= x >> 30;
  x *= 0xbf58476d1ce4e5b9ULL;
  x ^= x >> 27;
  x *= 0x94d049bb133111ebULL;
  x ^= x >> 31;
  return x;
}

}  // namespace

uint64_t BlockAllocator::chain_hash(uint64_t parent_hash, std::span<const int32_t> tokens) {
  uint64_t h = mix64(parent_hash ^ 0x9e3779b97f4a7c15ULL);
  // Two tokens per 64-bit word; the running position keeps permutations apart.
  for (size_t i = 0; i < tokens.size(); i += 2) {
    uint64_t word = static_cast<uint32_t>(tokens[i]);
    if (i + 1 < tokens.size()) word |= static_cast<uint64_t>(static_cast<uint32_t>(tokens[i + 1])) << 32;
    h = mix64(h ^ word) + i;
  }
  return mix64(h ^ tokens.size());
}

BlockAllocator::BlockAllocator(const BlockAllocatorParams& params) : params_(params) {
  if (params.n_blocks <= 0 || params.block_size <= 0) fail("n_blocks and block_size must be positive");
}

void BlockAllocator::check_block(int32_t block) const {
  if (block < 0 || block >= n_total()) fail("block id out of range");
  if (block >= n_grown()) fail("use of a block never allocated");
}

void BlockAllocator::check_tokens(std::span<const int32_t> tokens) const {
  if (static_cast<int64_t>(tokens.size()) != params_.block_size) fail("a cached block needs exactly block_size tokens");
}

int32_t BlockAllocator::allocate() {
  int32_t block = kNoBlock;
  if (!free_.empty()) {
    block = free_.back();
    free_.pop_back();
  } else if (n_grown() < params_.n_blocks) {  // the pool grows: 0, 1, 2, ...
    block = n_grown();
    blocks_.emplace_back();
  } else if (lru_head_ != kNoBlock) {
    block = lru_head_;
    lru_remove(block);
    uncache(block);
  } else {
    return kNoBlock;
  }
  Block& b = blocks_[static_cast<size_t>(block)];
  if (b.ref != 0 || b.cached) fail("allocated block still in use");
  b.ref = 1;
  ++n_used_;
  return block;
}

void BlockAllocator::retain(int32_t block) {
  check_block(block);
  Block& b = blocks_[static_cast<size_t>(block)];
  if (b.ref == 0) {
    if (!b.cached) fail("retain of a free block");
    lru_remove(block);
    ++n_used_;
  }
  ++b.ref;
}

void BlockAllocator::release(int32_t block) {
  check_block(block);
  Block& b = blocks_[static_cast<size_t>(block)];
  if (b.ref <= 0) fail("release of an unreferenced block");
  if (--b.ref > 0) return;
  --n_used_;
  if (b.cached) {
    lru_push_back(block);
  } else {
    free_.push_back(block);
  }
}

uint64_t BlockAllocator::key_of(int32_t parent, std::span<const int32_t> tokens, uint64_t* parent_serial,
                                uint64_t* parent_hash) const {
  if (parent == kNoBlock) {
    *parent_serial = 0;
    *parent_hash = kRootHash;
  } else {
    const Block& p = blocks_[static_cast<size_t>(parent)];
    *parent_serial = p.serial;
    *parent_hash = p.hash;
  }
  return chain_hash(*parent_hash, tokens) & params_.hash_mask;
}

int32_t BlockAllocator::find(int32_t parent, std::span<const int32_t> tokens) const {
  check_tokens(tokens);
  if (parent != kNoBlock) {
    check_block(parent);
    if (!blocks_[static_cast<size_t>(parent)].cached) return kNoBlock;
  }
  uint64_t parent_serial = 0;
  uint64_t parent_hash = 0;
  const uint64_t key = key_of(parent, tokens, &parent_serial, &parent_hash);
  auto [it, end] = by_hash_.equal_range(key);
  for (; it != end; ++it) {
    const Block& c = blocks_[static_cast<size_t>(it->second)];
    if (c.parent_serial == parent_serial && c.parent_hash == parent_hash &&
        std::equal(tokens.begin(), tokens.end(), c.tokens.begin(), c.tokens.end())) {
      return it->second;
    }
  }
  return kNoBlock;
}

int32_t BlockAllocator::lookup(int32_t parent, std::span<const int32_t> tokens) {
  const int32_t block = find(parent, tokens);
  if (block != kNoBlock) retain(block);
  return block;
}

bool BlockAllocator::publish(int32_t block, int32_t parent, std::span<const int32_t> tokens) {
  check_block(block);
  Block& b = blocks_[static_cast<size_t>(block)];
  if (b.ref <= 0) fail("publish of a block nobody holds");
  if (b.cached) fail("publish of a block that is cached already");
  if (parent == block) fail("a block cannot be its own parent");
  if (find(parent, tokens) != kNoBlock) return false;
  if (parent != kNoBlock && !blocks_[static_cast<size_t>(parent)].cached) return false;
  b.hash = key_of(parent, tokens, &b.parent_serial, &b.parent_hash);
  b.serial = next_serial_++;
  b.tokens.assign(tokens.begin(), tokens.end());
  b.cached = true;
  by_hash_.emplace(b.hash, block);
  return true;
}

// A block the pool has not grown to yet is free: no references, not cached.
const BlockAllocator::Block* BlockAllocator::grown(int32_t block) const {
  if (block < 0 || block >= n_total()) fail("block id out of range");
  return block < n_grown() ? &blocks_[static_cast<size_t>(block)] : nullptr;
}

int32_t BlockAllocator::ref_count(int32_t block) const {
  const Block* b = grown(block);
  return b != nullptr ? b->ref : 0;
}

bool BlockAllocator::is_cached(int32_t block) const {
  const Block* b = grown(block);
  return b != nullptr && b->cached;
}

uint64_t BlockAllocator::prefix_hash(int32_t block) const {
  const Block* b = grown(block);
  return b != nullptr && b->cached ? b->hash : 0;
}

void BlockAllocator::lru_push_back(int32_t block) {
  Block& b = blocks_[static_cast<size_t>(block)];
  b.lru_prev = lru_tail_;
  b.lru_next = kNoBlock;
  if (lru_tail_ != kNoBlock) {
    blocks_[static_cast<size_t>(lru_tail_)].lru_next = block;
  } else {
    lru_head_ = block;
  }
  lru_tail_ = block;
  ++n_lru_;
}

void BlockAllocator::lru_remove(int32_t block) {
  Block& b = blocks_[static_cast<size_t>(block)];
  if (b.lru_prev != kNoBlock) {
    blocks_[static_cast<size_t>(b.lru_prev)].lru_next = b.lru_next;
  } else {
    lru_head_ = b.lru_next;
  }
  if (b.lru_next != kNoBlock) {
    blocks_[static_cast<size_t>(b.lru_next)].lru_prev = b.lru_prev;
  } else {
    lru_tail_ = b.lru_prev;
  }
  b.lru_prev = kNoBlock;
  b.lru_next = kNoBlock;
  --n_lru_;
}

// Forgets the prefix a block held. Blocks published under it become unreachable: a
// new block with the same prefix gets a new serial, so they can never match again.
void BlockAllocator::uncache(int32_t block) {
  Block& b = blocks_[static_cast<size_t>(block)];
  auto [it, end] = by_hash_.equal_range(b.hash);
  for (; it != end; ++it) {
    if (it->second == block) {
      by_hash_.erase(it);
      break;
    }
  }
  b.cached = false;
  b.hash = 0;
  b.serial = 0;
  b.parent_serial = 0;
  b.parent_hash = 0;
  b.tokens.clear();
}

}  // namespace herd
