// The bookkeeping of a paged KV cache: which of n_blocks block ids are in use (with
// reference counts, so sequences can share blocks), which are free, and which hold a
// full block of a token prefix that a later sequence may reuse (the prefix cache).
// Pure logic: it never touches KV memory. The pool grows: block ids are handed out in
// order 0, 1, 2, ... and a released block is reused before a new one, so the ids in
// use (and the KV memory they commit, see KvCache) stay as low as the load allows.
//
// A cached block is identified by its whole token prefix: the block before it (its
// parent, itself cached) and its own block_size tokens. The lookup key is a 64-bit
// chained hash H(parent's hash, tokens), but a hit is accepted only when the stored
// tokens and parent match exactly, so a hash collision can never hand out wrong KV.
// Unreferenced cached blocks stay cached until a fresh block is needed and the free
// list is empty; then the least recently released one is evicted.
#pragma once

#include <cstdint>
#include <span>
#include <unordered_map>
#include <vector>

namespace herd {

inline constexpr int32_t kNoBlock = -1;

struct BlockAllocatorParams {
  int32_t n_blocks = 0;     // block ids 0 .. n_blocks - 1
  int32_t block_size = 16;  // tokens per block
  // Tests only: ANDed into every prefix hash; 0 makes all hashes collide.
  uint64_t hash_mask = ~uint64_t{0};
};

class BlockAllocator {
 public:
  // Aborts unless n_blocks > 0 and block_size > 0 (the engine validates its flags).
  explicit BlockAllocator(const BlockAllocatorParams& params);

  // A block for new KV holding one reference: a released one, else a new one while the
  // pool has not reached n_blocks, else by evicting the least recently released cached
  // block. kNoBlock when none exists.
  int32_t allocate();
  // One more reference to a block in use or to an unreferenced cached block.
  void retain(int32_t block);
  // Drops a reference. At zero a cached block becomes evictable (most recently
  // released), any other goes back to the free list.
  void release(int32_t block);

  // The cached block that follows `parent` (kNoBlock: the start of a sequence) with
  // these block_size tokens, or kNoBlock. Takes no reference.
  int32_t find(int32_t parent, std::span<const int32_t> tokens) const;
  // find() and, on a hit, retain().
  int32_t lookup(int32_t parent, std::span<const int32_t> tokens);
  // Makes a full block in use findable under (parent, tokens). Refused (false) when the
  // parent is not cached or an identical prefix is cached already (use find() first
  // and share that block instead). The caller must never write the block again.
  bool publish(int32_t block, int32_t parent, std::span<const int32_t> tokens);

  int32_t ref_count(int32_t block) const;
  bool is_cached(int32_t block) const;
  // The prefix hash a cached block is filed under; 0 when it is not cached.
  uint64_t prefix_hash(int32_t block) const;

  int32_t n_total() const { return params_.n_blocks; }             // the pool's capacity
  int32_t n_grown() const { return static_cast<int32_t>(blocks_.size()); }  // ever handed out
  int32_t n_used() const { return n_used_; }                        // ref > 0
  int32_t n_cached() const { return n_lru_; }                       // ref 0, cached
  // Allocatable: recycled, never used yet, or evictable.
  int32_t n_free() const { return static_cast<int32_t>(free_.size()) + (n_total() - n_grown()) + n_lru_; }
  int32_t block_size() const { return params_.block_size; }

  // The chained prefix hash (exposed for tests): H(parent_hash, tokens).
  static uint64_t chain_hash(uint64_t parent_hash, std::span<const int32_t> tokens);
  static constexpr uint64_t kRootHash = 0x243f6a8885a308d3ULL;  // the parent hash of a first block

 private:
  struct Block {
    int32_t ref = 0;
    bool cached = false;
    uint64_t hash = 0;
    // Serials are never reused, so matching the parent's serial proves the parent is
    // the very block (with the very prefix) this one was published under.
    uint64_t serial = 0;
    uint64_t parent_serial = 0;  // 0: a first block
    uint64_t parent_hash = 0;
    std::vector<int32_t> tokens;  // block_size tokens while cached
    int32_t lru_prev = kNoBlock;  // the unreferenced cached blocks, oldest first
    int32_t lru_next = kNoBlock;
  };

  void check_block(int32_t block) const;
  const Block* grown(int32_t block) const;
  void check_tokens(std::span<const int32_t> tokens) const;
  uint64_t key_of(int32_t parent, std::span<const int32_t> tokens, uint64_t* parent_serial,
                  uint64_t* parent_hash) const;
  void lru_push_back(int32_t block);
  void lru_remove(int32_t block);
  void uncache(int32_t block);

  BlockAllocatorParams params_;
  std::vector<Block> blocks_;  // the blocks handed out so far: ids 0 .. n_grown() - 1
  std::vector<int32_t> free_;  // released blocks, a stack: allocate() pops from the back
  std::unordered_multimap<uint64_t, int32_t> by_hash_;
  int32_t lru_head_ = kNoBlock;
  int32_t lru_tail_ = kNoBlock;
  int32_t n_lru_ = 0;
  int32_t n_used_ = 0;
  uint64_t next_serial_ = 1;
};

}  // namespace herd
