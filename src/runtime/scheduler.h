// The continuous-batching scheduler: pure logic, no model. Each step it builds one
// batch under a token budget that mixes ongoing decodes with chunks of new prompts
// (chunked prefill), hands out KV blocks from a pool with reference counts, reuses
// cached blocks for shared prompt prefixes, copies a shared block before a sequence
// writes into it (copy-on-write), and preempts a sequence (the newest, of the request
// running the most; see Fairness) when blocks run out (its KV is dropped and recomputed when it resumes; it never fails). A preempted
// sequence's full blocks stay in the prefix cache, so on resuming it recomputes only
// what was evicted meanwhile.
//
// Fairness: the sequences of one request (its n choices) form a group. At most
// max_running sequences run at once, forks included; waiting sequences are admitted
// group by group, the group running the fewest first; a group running two or more
// sequences fewer than another takes a slot (and blocks) from that one's newest
// sequence; and when blocks run short the victim is the newest sequence of the group
// running the most. So one request with many long choices cannot hold the pool or
// every slot while another waits: the other starts within a step. (A request of one
// sequence holds at most a context's worth of blocks, and the pool holds more.)
//
// The loop:  plan = schedule();  copy plan.copies, evaluate plan.chunks;
//            complete(plan);  append_token(...) for chunks with sample;  finish(...)
#pragma once

#include <cstdint>
#include <memory>
#include <span>
#include <vector>

#include "base/status.h"
#include "kv/block_allocator.h"

namespace herd {

using SeqId = int64_t;
using GroupId = int64_t;  // the sequences of one request

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
  // The chunk ends at the sequence's last known token: sample after it. (Not when
  // the engine already sampled at that length: a sequence preempted before its token
  // was appended is recomputed without sampling twice.)
  bool sample = false;
};

struct BlockCopy {
  int32_t src = 0;
  int32_t dst = 0;
};

struct StepPlan {
  std::vector<BlockCopy> copies;        // do these KV block copies, in order, before evaluating
  std::vector<ScheduledChunk> chunks;   // the batch, in order; empty: nothing to do
  std::vector<SeqId> preempted;         // lost their KV this step; they wait to resume
};

// Contract breaches by the engine (an unknown id, a prompt that cannot fit, a plan
// completed twice) abort: they are bugs, not user errors. The engine validates user
// input before it reaches the scheduler.
class Scheduler {
 public:
  // Every count positive (and n_blocks * block_size within int32). The constructor
  // aborts on params that fail this.
  static Status validate(const SchedulerParams& params);
  explicit Scheduler(const SchedulerParams& params);
  ~Scheduler();

  // A new sequence waits in arrival order. Its prompt must be non-empty and fit in
  // the pool (ceil(len / block_size) + 1 <= n_blocks); the caller checks that.
  // group < 0: a group of its own.
  void add(SeqId id, std::vector<int32_t> prompt, GroupId group = -1);
  // A new sequence of the parent's group with the parent's tokens. Used for n > 1
  // choices once the prompt is evaluated; the parent must be running with all its
  // tokens evaluated. With fewer than max_running sequences running, the child runs
  // at once, sharing all the parent's blocks (also a partly filled last one: the
  // first write into a shared block copies it); otherwise it waits like a preempted
  // sequence and finds the parent's full blocks in the prefix cache when admitted.
  // Either way it needs a token appended before it is scheduled (it is not sampled
  // at the parent's length again). The child arrives now: it is the newest sequence.
  void fork(SeqId parent, SeqId child);

  // The next batch, at most max_batch_tokens tokens: first one token for each running
  // sequence with a sampled token pending (oldest first), then the next chunk of each
  // running sequence still prefilling or recomputing, then waiting sequences (the
  // group running the fewest first; within that, preempted ones first, then in
  // arrival order), up to max_running and while free blocks last; none are admitted
  // in a step that had to preempt, except a fair claim (see Fairness above, which
  // may preempt for it). A prefill chunk shrinks to the blocks it
  // can get before anyone is preempted. Every plan must be complete()d before the
  // next schedule(), unless all its sequences were finished meanwhile (a failed
  // batch). Block tables change only inside schedule() and complete().
  StepPlan schedule();
  // The plan was evaluated: its tokens' KV is in the cache; full blocks join the
  // prefix cache (a block whose prefix another sequence cached meanwhile is swapped
  // for that one). Chunks of sequences finished since schedule() are ignored.
  void complete(const StepPlan& plan);
  // A token sampled for the sequence (it is evaluated in a later step). A sequence
  // never grows past n_blocks * block_size tokens (the engine caps it by n_ctx).
  void append_token(SeqId id, int32_t token);
  // Finished or cancelled (any state): frees its blocks; full ones stay cached.
  // An unknown id (finished already) is ignored.
  void finish(SeqId id);

  bool contains(SeqId id) const;
  std::span<const int32_t> tokens(SeqId id) const;       // prompt + generated
  std::span<const int32_t> block_table(SeqId id) const;  // block of position p: [p / block_size]
  int32_t n_prompt(SeqId id) const;
  // Prompt tokens whose KV came from the prefix cache when the sequence was admitted
  // (the first time; resuming after preemption does not change it). 0 for a fork.
  int32_t n_cached_prompt(SeqId id) const;
  // Leading positions whose KV is in the sequence's blocks (0 while waiting).
  int32_t n_computed(SeqId id) const;
  bool is_running(SeqId id) const;  // false: waiting (new or preempted)
  GroupId group(SeqId id) const;

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
