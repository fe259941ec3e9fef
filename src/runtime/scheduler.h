// The continuous-batching scheduler: pure logic, no model. Each step it builds one
// batch under a token budget that mixes ongoing decodes with chunks of new prompts
// (chunked prefill), hands out KV blocks from a pool with reference counts, reuses
// cached blocks for shared prompt prefixes, copies a shared block before a sequence
// writes into it (copy-on-write), and preempts the newest sequence when blocks run
// out (its KV is dropped and recomputed when it resumes; it never fails).
//
// The loop:  plan = schedule();  copy plan.copies, evaluate plan.chunks;
//            complete(plan);  append_token(...) for chunks with sample;  finish(...)
#pragma once

#include <cstdint>
#include <memory>
#include <span>
#include <vector>

#include "kv/block_allocator.h"

namespace herd {

using SeqId = int64_t;

struct SchedulerParams {
  int32_t block_size = 16;         // tokens per KV block
  int32_t n_blocks = 0;            // KV blocks in the pool
  int32_t max_batch_tokens = 512;  // tokens evaluated per step, all sequences together
  int32_t max_running = 4;         // sequences holding KV at once (--parallel)
};

// Tokens pos0 .. pos0 + n_tokens - 1 of one sequence (prompt followed by generated
// tokens) to evaluate this step, writing their KV at those positions.
struct ScheduledChunk {
  SeqId seq = 0;
  int32_t pos0 = 0;
  int32_t n_tokens = 0;
  bool sample = false;  // the chunk ends at the sequence's last known token: sample after it
};

struct BlockCopy {
  int32_t src = 0;
  int32_t dst = 0;
};

struct StepPlan {
  std::vector<BlockCopy> copies;        // do these KV block copies before evaluating
  std::vector<ScheduledChunk> chunks;   // the batch, in order; empty: nothing to do
  std::vector<SeqId> preempted;         // lost their KV this step; they wait to resume
};

class Scheduler {
 public:
  explicit Scheduler(const SchedulerParams& params);

  // A new sequence waits in arrival order. Its prompt must be non-empty and fit in
  // the pool (ceil(len / block_size) + 1 <= n_blocks); the caller checks that.
  void add(SeqId id, std::vector<int32_t> prompt);
  // A new sequence with the parent's tokens, sharing all the parent's blocks (also a
  // partly filled last one: the first write into a shared block copies it). Used for
  // n > 1 choices once the prompt is evaluated. The parent must be running with all
  // its tokens evaluated; the child is running too and needs a token appended
  // before it is scheduled.
  void fork(SeqId parent, SeqId child);

  StepPlan schedule();
  // The plan was evaluated: its tokens' KV is in the cache; full blocks join the
  // prefix cache.
  void complete(const StepPlan& plan);
  // A token sampled for the sequence (it is evaluated in a later step).
  void append_token(SeqId id, int32_t token);
  // Finished or cancelled (any state): frees its blocks; full ones stay cached.
  void finish(SeqId id);

  bool contains(SeqId id) const;
  std::span<const int32_t> tokens(SeqId id) const;       // prompt + generated
  std::span<const int32_t> block_table(SeqId id) const;  // block of position p: [p / block_size]
  int32_t n_prompt(SeqId id) const;
  // Prompt tokens whose KV came from the prefix cache when the sequence was admitted
  // (the first time; resuming after preemption does not change it).
  int32_t n_cached_prompt(SeqId id) const;

  int32_t n_waiting() const;
  int32_t n_running() const;
  int64_t n_preemptions() const;
  const BlockAllocator& blocks() const;
  const SchedulerParams& params() const;

 private:
  struct Impl;
  std::unique_ptr<Impl> impl_;
};

}  // namespace herd
