#include "runtime/scheduler.h"

#include <gtest/gtest.h>

#include <algorithm>
#include <cstdint>
#include <map>
#include <random>
#include <set>
#include <vector>

namespace herd {
namespace {

SchedulerParams params(int32_t block_size, int32_t n_blocks, int32_t max_batch_tokens, int32_t max_running) {
  return SchedulerParams{.block_size = block_size,
                         .n_blocks = n_blocks,
                         .max_batch_tokens = max_batch_tokens,
                         .max_running = max_running};
}

std::vector<int32_t> iota(int32_t first, int32_t n) {
  std::vector<int32_t> t(static_cast<size_t>(n));
  for (int32_t i = 0; i < n; ++i) t[static_cast<size_t>(i)] = first + i;
  return t;
}

std::vector<int32_t> concat(std::vector<int32_t> a, const std::vector<int32_t>& b) {
  a.insert(a.end(), b.begin(), b.end());
  return a;
}

std::vector<int32_t> table(const Scheduler& s, SeqId id) {
  auto t = s.block_table(id);
  return {t.begin(), t.end()};
}

uint64_t mix64(uint64_t x) {
  x ^= x >> 31;
  x *= 0x7fb5d329728ea185ULL;
  x ^= x >> 27;
  x *= 0x81dadef4bc2dd44dULL;
  x ^= x >> 33;
  return x;
}

// What a position's KV would hold: it depends on every token up to it (causal).
std::vector<uint64_t> fingerprints(std::span<const int32_t> tokens) {
  std::vector<uint64_t> fp(tokens.size());
  uint64_t h = 1;
  for (size_t i = 0; i < tokens.size(); ++i) {
    h = mix64(h ^ (static_cast<uint64_t>(static_cast<uint32_t>(tokens[i])) + (i << 32)));
    fp[i] = h;
  }
  return fp;
}

// Stands in for the model: each KV slot holds the fingerprint of the prefix written
// there, so a sequence that reads another's KV, or stale KV, is caught.
class FakeEngine {
 public:
  explicit FakeEngine(const Scheduler& s)
      : bs_(s.params().block_size), kv_(static_cast<size_t>(s.params().n_blocks * bs_), 0) {}

  void evaluate(const Scheduler& s, const StepPlan& plan) {
    for (const BlockCopy& c : plan.copies) {
      std::copy_n(kv_.begin() + c.src * bs_, bs_, kv_.begin() + c.dst * bs_);
    }
    for (const ScheduledChunk& c : plan.chunks) {
      const auto fp = fingerprints(s.tokens(c.seq));
      const auto tab = s.block_table(c.seq);
      ASSERT_GE(c.n_tokens, 1);
      ASSERT_LE(static_cast<size_t>(c.pos0 + c.n_tokens), fp.size());
      ASSERT_GE(tab.size() * static_cast<size_t>(bs_), static_cast<size_t>(c.pos0 + c.n_tokens));
      for (int32_t p = 0; p < c.pos0; ++p) ASSERT_EQ(slot(tab, p), fp[p]) << "seq " << c.seq << " reads pos " << p;
      for (int32_t p = c.pos0; p < c.pos0 + c.n_tokens; ++p) {
        ASSERT_EQ(s.blocks().ref_count(tab[p / bs_]), 1) << "write into a shared block";
        slot(tab, p) = fp[p];
      }
    }
  }

  // Every evaluated position holds the sequence's own prefix.
  void expect_kv_matches(const Scheduler& s, SeqId id) const {
    const auto fp = fingerprints(s.tokens(id));
    const auto tab = s.block_table(id);
    for (int32_t p = 0; p < s.n_computed(id); ++p) ASSERT_EQ(slot(tab, p), fp[p]) << "seq " << id << " pos " << p;
  }

 private:
  uint64_t& slot(std::span<const int32_t> tab, int32_t p) { return kv_[tab[p / bs_] * bs_ + p % bs_]; }
  uint64_t slot(std::span<const int32_t> tab, int32_t p) const { return kv_[tab[p / bs_] * bs_ + p % bs_]; }

  int32_t bs_;
  std::vector<uint64_t> kv_;
};

// schedule -> evaluate -> complete.
StepPlan step(Scheduler& s, FakeEngine& e) {
  StepPlan plan = s.schedule();
  e.evaluate(s, plan);
  s.complete(plan);
  return plan;
}

int32_t total_tokens(const StepPlan& plan) {
  int32_t n = 0;
  for (const auto& c : plan.chunks) n += c.n_tokens;
  return n;
}

void expect_chunk(const ScheduledChunk& c, SeqId seq, int32_t pos0, int32_t n_tokens, bool sample) {
  EXPECT_EQ(c.seq, seq);
  EXPECT_EQ(c.pos0, pos0);
  EXPECT_EQ(c.n_tokens, n_tokens);
  EXPECT_EQ(c.sample, sample);
}

TEST(SchedulerTest, ValidateRejectsNonPositiveCounts) {
  EXPECT_TRUE(Scheduler::validate(params(16, 8, 512, 4)).ok());
  EXPECT_FALSE(Scheduler::validate(params(0, 8, 512, 4)).ok());
  EXPECT_FALSE(Scheduler::validate(params(16, 0, 512, 4)).ok());
  EXPECT_FALSE(Scheduler::validate(params(16, 8, 0, 4)).ok());
  EXPECT_FALSE(Scheduler::validate(params(16, 8, 512, -1)).ok());
  EXPECT_FALSE(Scheduler::validate(params(1 << 20, 1 << 20, 512, 4)).ok());
}

// Engine bugs abort loudly instead of corrupting the KV bookkeeping.
TEST(SchedulerDeathTest, ContractBreachesAbort) {
  Scheduler s(params(4, 4, 16, 2));
  EXPECT_DEATH(s.add(1, {}), "empty prompt");
  EXPECT_DEATH(s.add(1, iota(0, 13)), "does not fit");
  EXPECT_DEATH(s.append_token(7, 1), "unknown sequence 7");
  s.add(1, iota(0, 5));
  EXPECT_DEATH(s.fork(1, 2), "fork needs a running parent");
  s.schedule();
  EXPECT_DEATH(s.schedule(), "before complete");
}

TEST(SchedulerTest, NothingToDoGivesAnEmptyPlan) {
  Scheduler s(params(4, 8, 16, 2));
  FakeEngine e(s);
  const StepPlan plan = step(s, e);
  EXPECT_TRUE(plan.chunks.empty());
  EXPECT_TRUE(plan.copies.empty());
  EXPECT_TRUE(plan.preempted.empty());
}

TEST(SchedulerTest, LongPromptIsPrefilledInChunksAcrossSteps) {
  Scheduler s(params(4, 32, 16, 2));
  FakeEngine e(s);
  s.add(1, iota(0, 40));
  EXPECT_EQ(s.n_waiting(), 1);
  StepPlan p = step(s, e);
  ASSERT_EQ(p.chunks.size(), 1u);
  expect_chunk(p.chunks[0], 1, 0, 16, false);
  EXPECT_EQ(s.n_running(), 1);
  EXPECT_EQ(s.n_waiting(), 0);
  EXPECT_EQ(s.block_table(1).size(), 4u);
  p = step(s, e);
  ASSERT_EQ(p.chunks.size(), 1u);
  expect_chunk(p.chunks[0], 1, 16, 16, false);
  p = step(s, e);
  ASSERT_EQ(p.chunks.size(), 1u);
  expect_chunk(p.chunks[0], 1, 32, 8, true);
  EXPECT_EQ(s.block_table(1).size(), 10u);
  EXPECT_EQ(s.n_computed(1), 40);
  // Nothing more until a token is sampled and appended.
  EXPECT_TRUE(step(s, e).chunks.empty());
  s.append_token(1, 99);
  p = step(s, e);
  ASSERT_EQ(p.chunks.size(), 1u);
  expect_chunk(p.chunks[0], 1, 40, 1, true);
  e.expect_kv_matches(s, 1);
  EXPECT_EQ(s.n_prompt(1), 40);
  EXPECT_EQ(s.tokens(1).size(), 41u);
}

TEST(SchedulerTest, BudgetIsFilledExactlyAcrossSequences) {
  Scheduler s(params(4, 32, 10, 4));
  FakeEngine e(s);
  for (SeqId id = 1; id <= 3; ++id) s.add(id, iota(100 * static_cast<int32_t>(id), 7));
  StepPlan p = step(s, e);
  ASSERT_EQ(p.chunks.size(), 2u);
  expect_chunk(p.chunks[0], 1, 0, 7, true);
  expect_chunk(p.chunks[1], 2, 0, 3, false);
  EXPECT_EQ(total_tokens(p), 10);
  s.append_token(1, 5);
  p = step(s, e);
  ASSERT_EQ(p.chunks.size(), 3u);
  expect_chunk(p.chunks[0], 1, 7, 1, true);   // the decode first
  expect_chunk(p.chunks[1], 2, 3, 4, true);   // then the running prefill
  expect_chunk(p.chunks[2], 3, 0, 5, false);  // then a new sequence gets the rest
  EXPECT_EQ(total_tokens(p), 10);
  p = step(s, e);
  ASSERT_EQ(p.chunks.size(), 1u);
  expect_chunk(p.chunks[0], 3, 5, 2, true);
}

TEST(SchedulerTest, DecodeAndPrefillShareOneStep) {
  Scheduler s(params(4, 32, 8, 4));
  FakeEngine e(s);
  s.add(1, iota(0, 5));
  step(s, e);
  s.append_token(1, 42);
  s.add(2, iota(50, 20));
  const StepPlan p = step(s, e);
  ASSERT_EQ(p.chunks.size(), 2u);
  expect_chunk(p.chunks[0], 1, 5, 1, true);
  expect_chunk(p.chunks[1], 2, 0, 7, false);
  e.expect_kv_matches(s, 1);
  e.expect_kv_matches(s, 2);
}

TEST(SchedulerTest, DecodesAreLimitedByTheBudgetOldestFirst) {
  Scheduler s(params(4, 32, 2, 4));
  FakeEngine e(s);
  for (SeqId id = 1; id <= 3; ++id) {
    s.add(id, {static_cast<int32_t>(id)});
  }
  step(s, e);  // 1 and 2
  step(s, e);  // 3
  for (SeqId id = 1; id <= 3; ++id) s.append_token(id, 7);
  const StepPlan p = step(s, e);
  ASSERT_EQ(p.chunks.size(), 2u);
  EXPECT_EQ(p.chunks[0].seq, 1);
  EXPECT_EQ(p.chunks[1].seq, 2);
}

TEST(SchedulerTest, MaxRunningLimitsAdmission) {
  Scheduler s(params(4, 32, 64, 2));
  FakeEngine e(s);
  for (SeqId id = 1; id <= 3; ++id) s.add(id, iota(10 * static_cast<int32_t>(id), 3));
  StepPlan p = step(s, e);
  EXPECT_EQ(p.chunks.size(), 2u);
  EXPECT_EQ(s.n_running(), 2);
  EXPECT_EQ(s.n_waiting(), 1);
  EXPECT_FALSE(s.is_running(3));
  s.finish(1);
  s.append_token(2, 1);
  p = step(s, e);
  ASSERT_EQ(p.chunks.size(), 2u);
  expect_chunk(p.chunks[0], 2, 3, 1, true);
  expect_chunk(p.chunks[1], 3, 0, 3, true);
}

TEST(SchedulerTest, SecondRequestReusesTheCachedSystemPrompt) {
  Scheduler s(params(4, 32, 64, 4));
  FakeEngine e(s);
  const std::vector<int32_t> system = iota(1000, 12);
  s.add(1, concat(system, {1, 2}));
  step(s, e);
  EXPECT_EQ(s.n_cached_prompt(1), 0);
  const std::vector<int32_t> first = table(s, 1);
  s.finish(1);
  EXPECT_EQ(s.blocks().n_used(), 0);
  EXPECT_EQ(s.blocks().n_cached(), 3);  // the three full blocks of the system prompt

  s.add(2, concat(system, {7, 8, 9}));
  const StepPlan p = step(s, e);
  ASSERT_EQ(p.chunks.size(), 1u);
  expect_chunk(p.chunks[0], 2, 12, 3, true);
  EXPECT_EQ(s.n_cached_prompt(2), 12);
  const std::vector<int32_t> second = table(s, 2);
  ASSERT_EQ(second.size(), 4u);
  EXPECT_EQ(std::vector<int32_t>(second.begin(), second.begin() + 3),
            std::vector<int32_t>(first.begin(), first.begin() + 3));
  e.expect_kv_matches(s, 2);
}

TEST(SchedulerTest, RunningSequencesShareCachedBlocksWithReferenceCounts) {
  Scheduler s(params(4, 32, 64, 4));
  FakeEngine e(s);
  const std::vector<int32_t> system = iota(500, 8);
  s.add(1, concat(system, {1}));
  step(s, e);
  s.add(2, concat(system, {2, 3}));
  step(s, e);
  EXPECT_EQ(s.n_cached_prompt(2), 8);
  const auto t1 = table(s, 1);
  const auto t2 = table(s, 2);
  for (int i = 0; i < 2; ++i) {
    EXPECT_EQ(t1[i], t2[i]);
    EXPECT_EQ(s.blocks().ref_count(t1[i]), 2);
  }
  EXPECT_NE(t1[2], t2[2]);
  s.finish(1);
  EXPECT_EQ(s.blocks().ref_count(t2[0]), 1);
  e.expect_kv_matches(s, 2);
}

TEST(SchedulerTest, DivergenceInsideABlockReusesOnlyTheBlocksBeforeIt) {
  Scheduler s(params(4, 32, 64, 4));
  FakeEngine e(s);
  const std::vector<int32_t> a = iota(0, 20);
  std::vector<int32_t> b = a;
  b[14] = 777;  // differs in the middle of block 3
  s.add(1, a);
  step(s, e);
  s.add(2, b);
  const StepPlan p = step(s, e);
  ASSERT_EQ(p.chunks.size(), 1u);
  expect_chunk(p.chunks[0], 2, 12, 8, true);
  EXPECT_EQ(s.n_cached_prompt(2), 12);
  e.expect_kv_matches(s, 1);
  e.expect_kv_matches(s, 2);
}

TEST(SchedulerTest, FullyCachedPromptStillEvaluatesItsLastToken) {
  Scheduler s(params(4, 32, 64, 4));
  FakeEngine e(s);
  const std::vector<int32_t> a = iota(0, 16);
  s.add(1, a);
  step(s, e);
  s.finish(1);
  // Same prompt: the block holding the last token is evaluated again.
  s.add(2, a);
  StepPlan p = step(s, e);
  ASSERT_EQ(p.chunks.size(), 1u);
  expect_chunk(p.chunks[0], 2, 12, 4, true);
  EXPECT_EQ(s.n_cached_prompt(2), 12);
  // One more token: every full block is reused and one token is evaluated.
  s.add(3, concat(a, {5}));
  p = step(s, e);
  ASSERT_EQ(p.chunks.size(), 1u);
  expect_chunk(p.chunks[0], 3, 16, 1, true);
  EXPECT_EQ(s.n_cached_prompt(3), 16);
  e.expect_kv_matches(s, 2);
  e.expect_kv_matches(s, 3);
}

TEST(SchedulerTest, GeneratedTokensJoinThePrefixCache) {
  Scheduler s(params(4, 32, 64, 4));
  FakeEngine e(s);
  s.add(1, iota(0, 6));
  step(s, e);
  s.append_token(1, 6);
  step(s, e);
  s.append_token(1, 7);
  step(s, e);  // positions 0..7 evaluated: two full blocks
  s.finish(1);
  // A follow-up turn repeats the conversation so far.
  s.add(2, iota(0, 10));
  step(s, e);
  EXPECT_EQ(s.n_cached_prompt(2), 8);
  e.expect_kv_matches(s, 2);
}

TEST(SchedulerTest, SimultaneousIdenticalPromptsConvergeOnOneCachedChain) {
  Scheduler s(params(4, 32, 64, 4));
  FakeEngine e(s);
  s.add(1, iota(0, 9));
  s.add(2, iota(0, 9));
  step(s, e);  // both evaluate the same blocks in one step
  EXPECT_EQ(table(s, 1)[0], table(s, 2)[0]);
  EXPECT_EQ(table(s, 1)[1], table(s, 2)[1]);
  EXPECT_NE(table(s, 1)[2], table(s, 2)[2]);
  EXPECT_EQ(s.blocks().n_used(), 4);
  e.expect_kv_matches(s, 1);
  e.expect_kv_matches(s, 2);
  // Both keep going and publish their own next blocks after the shared chain.
  for (int32_t t = 0; t < 3; ++t) {
    s.append_token(1, 100 + t);
    s.append_token(2, 200 + t);
    step(s, e);
  }
  s.finish(1);
  s.finish(2);
  s.add(3, concat(iota(0, 9), {200, 201, 202, 5}));
  step(s, e);
  EXPECT_EQ(s.n_cached_prompt(3), 12);
}

TEST(SchedulerTest, ForkSharesBlocksAndCopiesTheSharedPartialBlockOnWrite) {
  Scheduler s(params(4, 32, 64, 4));
  FakeEngine e(s);
  s.add(1, iota(0, 10));
  step(s, e);
  s.fork(1, 2);
  EXPECT_EQ(s.n_running(), 2);
  EXPECT_EQ(s.n_prompt(2), 10);
  EXPECT_EQ(s.n_cached_prompt(2), 0);
  const auto parent = table(s, 1);
  EXPECT_EQ(table(s, 2), parent);
  for (int32_t b : parent) EXPECT_EQ(s.blocks().ref_count(b), 2);
  EXPECT_EQ(s.blocks().n_used(), 3);

  s.append_token(1, 50);
  s.append_token(2, 60);
  const StepPlan p = step(s, e);
  ASSERT_EQ(p.chunks.size(), 2u);
  expect_chunk(p.chunks[0], 1, 10, 1, true);
  expect_chunk(p.chunks[1], 2, 10, 1, true);
  // The parent writes first and copies; the child then holds the old block alone.
  ASSERT_EQ(p.copies.size(), 1u);
  EXPECT_EQ(p.copies[0].src, parent[2]);
  EXPECT_EQ(table(s, 1)[2], p.copies[0].dst);
  EXPECT_EQ(table(s, 2)[2], parent[2]);
  EXPECT_EQ(s.blocks().ref_count(parent[2]), 1);
  EXPECT_EQ(s.blocks().ref_count(parent[0]), 2);
  e.expect_kv_matches(s, 1);
  e.expect_kv_matches(s, 2);
}

TEST(SchedulerTest, ForkAtABlockBoundaryCopiesNothing) {
  Scheduler s(params(4, 32, 64, 4));
  FakeEngine e(s);
  s.add(1, iota(0, 8));
  step(s, e);
  s.fork(1, 2);
  s.append_token(1, 1);
  s.append_token(2, 2);
  const StepPlan p = step(s, e);
  EXPECT_TRUE(p.copies.empty());
  EXPECT_EQ(p.chunks.size(), 2u);
  EXPECT_NE(table(s, 1)[2], table(s, 2)[2]);
  e.expect_kv_matches(s, 1);
  e.expect_kv_matches(s, 2);
}

TEST(SchedulerTest, PreemptsTheNewestAndResumesItByRecomputing) {
  // Six blocks of four: two sequences of 8 tokens fill them once each gets a third block.
  Scheduler s(params(4, 6, 64, 4));
  FakeEngine e(s);
  s.add(1, iota(0, 8));
  s.add(2, iota(100, 8));
  step(s, e);
  for (int32_t t = 0; t < 4; ++t) {  // positions 8..11: one more block each
    s.append_token(1, t);
    s.append_token(2, 10 + t);
    const StepPlan p = step(s, e);
    EXPECT_TRUE(p.preempted.empty());
    EXPECT_EQ(p.chunks.size(), 2u);
  }
  EXPECT_EQ(s.blocks().n_free(), 0);
  s.append_token(1, 4);
  s.append_token(2, 14);
  StepPlan p = step(s, e);  // both need a fourth block; there is none
  ASSERT_EQ(p.preempted, std::vector<SeqId>{2});
  ASSERT_EQ(p.chunks.size(), 1u);
  expect_chunk(p.chunks[0], 1, 12, 1, true);
  EXPECT_EQ(s.n_preemptions(), 1);
  EXPECT_FALSE(s.is_running(2));
  EXPECT_EQ(s.n_computed(2), 0);
  EXPECT_TRUE(s.block_table(2).empty());
  EXPECT_EQ(s.n_waiting(), 1);
  EXPECT_EQ(s.tokens(2).size(), 13u);  // nothing it generated is lost

  s.finish(1);
  p = step(s, e);
  ASSERT_EQ(p.chunks.size(), 1u);
  // Its first two blocks stayed cached; seq 1 took its third (released first, so
  // evicted first). It recomputes the rest, its generated tokens included.
  expect_chunk(p.chunks[0], 2, 8, 5, true);
  EXPECT_EQ(s.n_cached_prompt(2), 0);  // counted at first admission only
  e.expect_kv_matches(s, 2);
}

TEST(SchedulerTest, PrefillingRequesterPreemptsItselfWhenItIsTheNewest) {
  Scheduler s(params(4, 5, 100, 4));
  FakeEngine e(s);
  s.add(1, iota(0, 12));
  step(s, e);  // three blocks
  s.append_token(1, 1);
  s.add(2, iota(100, 8));
  StepPlan p = step(s, e);
  ASSERT_EQ(p.chunks.size(), 2u);
  expect_chunk(p.chunks[0], 1, 12, 1, true);
  expect_chunk(p.chunks[1], 2, 0, 4, false);  // only one block was left
  s.append_token(1, 2);
  p = step(s, e);
  EXPECT_EQ(p.preempted, std::vector<SeqId>{2});
  ASSERT_EQ(p.chunks.size(), 1u);
  expect_chunk(p.chunks[0], 1, 13, 1, true);
  EXPECT_TRUE(s.blocks().is_cached(s.blocks().find(kNoBlock, iota(100, 4))));
  // No admission while blocks are short, and none after until it fits.
  s.append_token(1, 3);
  p = step(s, e);
  EXPECT_EQ(p.chunks.size(), 1u);
  EXPECT_EQ(s.n_waiting(), 1);
  s.finish(1);
  p = step(s, e);
  ASSERT_EQ(p.chunks.size(), 1u);
  expect_chunk(p.chunks[0], 2, 4, 4, true);  // its first block came back from the cache
  e.expect_kv_matches(s, 2);
}

TEST(SchedulerTest, PreemptedSequencesGoAheadOfNewArrivals) {
  Scheduler s(params(4, 6, 64, 4));
  FakeEngine e(s);
  s.add(1, iota(0, 8));
  s.add(2, iota(100, 8));
  step(s, e);
  for (int32_t t = 0; t < 5; ++t) {
    s.append_token(1, t);
    s.append_token(2, t);
    step(s, e);
  }
  ASSERT_FALSE(s.is_running(2));
  s.add(3, iota(300, 4));
  s.append_token(1, 9);
  step(s, e);
  s.finish(1);
  const StepPlan p = step(s, e);
  ASSERT_GE(p.chunks.size(), 1u);
  EXPECT_EQ(p.chunks[0].seq, 2);
}

TEST(SchedulerTest, ForkPreemptedBeforeItsTokenIsRecomputedWithoutSamplingAgain) {
  Scheduler s(params(4, 6, 64, 4));
  FakeEngine e(s);
  s.add(1, iota(0, 8));
  step(s, e);
  s.add(2, iota(100, 8));
  s.fork(1, 3);  // the newest; the engine has not appended its token yet
  for (int32_t t = 0; t < 3; ++t) {
    s.append_token(1, t);
    if (t > 0) s.append_token(2, t);
    const StepPlan p = step(s, e);
    EXPECT_TRUE(p.preempted.empty());
  }
  s.append_token(1, 3);
  s.append_token(2, 3);
  StepPlan p = step(s, e);  // seq 1 (pos 11) and seq 2 (pos 10) fit
  EXPECT_TRUE(p.preempted.empty());
  s.append_token(1, 4);
  s.append_token(2, 4);
  p = step(s, e);  // seq 1 needs a block at pos 12: the fork frees none, seq 2 does
  EXPECT_EQ(p.preempted, (std::vector<SeqId>{3, 2}));
  ASSERT_EQ(p.chunks.size(), 1u);
  expect_chunk(p.chunks[0], 1, 12, 1, true);
  s.finish(1);
  p = step(s, e);
  ASSERT_EQ(p.chunks.size(), 2u);
  expect_chunk(p.chunks[0], 2, 8, 4, true);
  // The fork's logits were used when the parent sampled: it is not sampled again...
  expect_chunk(p.chunks[1], 3, 4, 4, false);
  // ...until its token arrives.
  s.finish(2);
  s.append_token(3, 9);
  p = step(s, e);
  ASSERT_EQ(p.chunks.size(), 1u);
  expect_chunk(p.chunks[0], 3, 8, 1, true);
  e.expect_kv_matches(s, 3);
}

TEST(SchedulerTest, FinishFreesEverythingInEveryState) {
  Scheduler s(params(4, 12, 64, 3));
  FakeEngine e(s);
  s.add(1, iota(0, 10));     // will be decoding
  s.add(2, iota(100, 40));   // will be mid-prefill (budget)
  s.add(3, iota(200, 5));    // will wait (max_running)
  step(s, e);
  s.fork(1, 4);              // running fork sharing blocks
  ASSERT_TRUE(s.is_running(1));
  ASSERT_TRUE(s.is_running(2));
  ASSERT_TRUE(s.is_running(4));
  ASSERT_FALSE(s.is_running(3));
  ASSERT_LT(s.n_computed(2), 40);
  s.append_token(1, 1);
  s.append_token(4, 2);
  // Finished while its chunk is in flight: complete() ignores it.
  const StepPlan p = s.schedule();
  e.evaluate(s, p);
  s.finish(2);
  s.complete(p);
  s.finish(3);
  s.finish(4);
  s.finish(1);
  s.finish(1);  // twice is harmless
  EXPECT_EQ(s.blocks().n_used(), 0);
  EXPECT_EQ(s.blocks().n_free(), 12);
  EXPECT_EQ(s.n_running(), 0);
  EXPECT_EQ(s.n_waiting(), 0);
  EXPECT_FALSE(s.contains(1));
}

TEST(SchedulerTest, AFailedBatchIsDroppedByFinishingItsSequences) {
  Scheduler s(params(4, 8, 64, 4));
  FakeEngine e(s);
  s.add(1, iota(0, 6));
  s.add(2, iota(10, 6));
  const StepPlan failed = s.schedule();
  ASSERT_EQ(failed.chunks.size(), 2u);
  s.finish(1);
  s.finish(2);
  EXPECT_EQ(s.blocks().n_used(), 0);
  s.add(3, iota(20, 3));
  const StepPlan p = step(s, e);
  ASSERT_EQ(p.chunks.size(), 1u);
  expect_chunk(p.chunks[0], 3, 0, 3, true);
  // Nothing of the failed batch was cached: it was never completed.
  EXPECT_EQ(s.blocks().n_cached(), 0);
}

TEST(SchedulerTest, FinishOfAPreemptedSequenceFreesIt) {
  Scheduler s(params(4, 6, 64, 4));
  FakeEngine e(s);
  s.add(1, iota(0, 8));
  s.add(2, iota(100, 8));
  step(s, e);
  for (int32_t t = 0; t < 5; ++t) {
    s.append_token(1, t);
    s.append_token(2, t);
    step(s, e);
  }
  ASSERT_EQ(s.n_preemptions(), 1);
  ASSERT_FALSE(s.is_running(2));
  s.finish(2);
  s.finish(1);
  EXPECT_EQ(s.n_waiting(), 0);
  EXPECT_EQ(s.blocks().n_used(), 0);
}

TEST(SchedulerTest, CachedBlocksAreEvictedLeastRecentlyReleasedFirst) {
  Scheduler s(params(4, 6, 64, 4));
  FakeEngine e(s);
  const std::vector<int32_t> a = iota(0, 5);
  const std::vector<int32_t> b = iota(100, 5);
  s.add(1, a);
  step(s, e);
  s.finish(1);
  s.add(2, b);
  step(s, e);
  s.finish(2);
  EXPECT_EQ(s.blocks().n_cached(), 2);
  // Needs 5 blocks: 4 free ones and the older cached one.
  s.add(3, iota(200, 17));
  step(s, e);
  EXPECT_EQ(s.blocks().find(kNoBlock, iota(0, 4)), kNoBlock);
  EXPECT_NE(s.blocks().find(kNoBlock, iota(100, 4)), kNoBlock);
  s.finish(3);
  s.add(4, b);
  step(s, e);
  EXPECT_EQ(s.n_cached_prompt(4), 4);
  e.expect_kv_matches(s, 4);
}

// ---- randomized simulation -------------------------------------------------------

struct SimConfig {
  int32_t block_size;
  int32_t n_blocks;
  int32_t max_batch_tokens;
  int32_t max_running;
  uint32_t seed;
};

struct SimStats {
  int64_t preemptions = 0;
  int64_t forks = 0;
  int64_t cached_prompt_tokens = 0;
  int64_t copies = 0;
};

// Checks the scheduler's state against what the block tables say.
void check_invariants(const Scheduler& s, const std::set<SeqId>& live, const FakeEngine& e) {
  const int32_t bs = s.params().block_size;
  std::map<int32_t, int32_t> refs;
  int32_t running = 0;
  for (SeqId id : live) {
    ASSERT_TRUE(s.contains(id));
    const auto tab = s.block_table(id);
    if (!s.is_running(id)) {
      ASSERT_TRUE(tab.empty());
      ASSERT_EQ(s.n_computed(id), 0);
      continue;
    }
    ++running;
    ASSERT_EQ(static_cast<int32_t>(tab.size()), (s.n_computed(id) + bs - 1) / bs) << "seq " << id;
    std::set<int32_t> own(tab.begin(), tab.end());
    ASSERT_EQ(own.size(), tab.size()) << "a block twice in one table";
    for (int32_t b : tab) ++refs[b];
    // Every full evaluated block is in the prefix cache.
    for (int32_t i = 0; i < s.n_computed(id) / bs; ++i) ASSERT_TRUE(s.blocks().is_cached(tab[i]));
    e.expect_kv_matches(s, id);
  }
  ASSERT_EQ(running, s.n_running());
  ASSERT_EQ(static_cast<int32_t>(live.size()) - running, s.n_waiting());
  for (int32_t b = 0; b < s.blocks().n_total(); ++b) {
    ASSERT_EQ(s.blocks().ref_count(b), refs.contains(b) ? refs[b] : 0) << "block " << b;
  }
  ASSERT_EQ(s.blocks().n_used(), static_cast<int32_t>(refs.size()));
  ASSERT_EQ(s.blocks().n_used() + s.blocks().n_free(), s.blocks().n_total());
}

// Arrivals sharing a few system prompts, random lengths, forks, cancellations in any
// state, and a tiny pool; checks the invariants after every step and that every
// sequence finishes.
void simulate(const SimConfig& cfg, SimStats* stats) {
  Scheduler s(params(cfg.block_size, cfg.n_blocks, cfg.max_batch_tokens, cfg.max_running));
  FakeEngine e(s);
  std::mt19937 rng(cfg.seed);
  auto uniform = [&](int32_t lo, int32_t hi) { return std::uniform_int_distribution<int32_t>(lo, hi)(rng); };

  const int32_t capacity = cfg.n_blocks * cfg.block_size;
  const int32_t max_prompt = (cfg.n_blocks - 1) * cfg.block_size;
  // A few shared "system prompts" over a tiny vocabulary: many prefix hits, some
  // identical prompts, divergence anywhere.
  std::vector<std::vector<int32_t>> systems;
  for (int i = 0; i < 3; ++i) {
    std::vector<int32_t> sys(static_cast<size_t>(uniform(0, max_prompt / 2)));
    for (auto& t : sys) t = uniform(0, 3);
    systems.push_back(sys);
  }

  const int n_seqs = 60;
  int n_added = 0;
  int n_finished = 0;
  int n_cancelled = 0;
  int n_forks = 0;
  int64_t cached_total = 0;
  SeqId next_id = 1;
  std::set<SeqId> live;
  std::map<SeqId, int32_t> target;  // finish at this many tokens
  std::map<SeqId, std::set<int32_t>> sampled_at;

  int steps = 0;
  while (n_added < n_seqs || !live.empty()) {
    ASSERT_LT(++steps, 20000) << "no progress";
    // Arrivals.
    while (n_added < n_seqs && uniform(0, 3) == 0) {
      std::vector<int32_t> prompt = systems[static_cast<size_t>(uniform(0, 2))];
      const int32_t tail = uniform(prompt.empty() ? 1 : 0, 6);
      for (int32_t i = 0; i < tail; ++i) prompt.push_back(uniform(0, 3));
      if (static_cast<int32_t>(prompt.size()) > max_prompt) prompt.resize(static_cast<size_t>(max_prompt));
      const SeqId id = next_id++;
      target[id] = std::min(capacity, static_cast<int32_t>(prompt.size()) + uniform(1, 12));
      s.add(id, prompt);
      live.insert(id);
      ++n_added;
    }
    // Cancellations, in whatever state the sequence is.
    if (!live.empty() && uniform(0, 30) == 0) {
      auto it = live.begin();
      std::advance(it, uniform(0, static_cast<int32_t>(live.size()) - 1));
      s.finish(*it);
      target.erase(*it);
      live.erase(it);
      ++n_cancelled;
    }

    const StepPlan plan = s.schedule();
    stats->copies += static_cast<int64_t>(plan.copies.size());
    ASSERT_LE(total_tokens(plan), cfg.max_batch_tokens);
    if (!live.empty()) {
      ASSERT_FALSE(plan.chunks.empty()) << "stalled at step " << steps;
    }
    std::set<SeqId> in_plan;
    for (const auto& c : plan.chunks) {
      ASSERT_TRUE(in_plan.insert(c.seq).second) << "two chunks for one sequence";
      ASSERT_TRUE(s.is_running(c.seq));
      ASSERT_EQ(c.pos0, s.n_computed(c.seq));
      // Here every sampled token is appended at once, so each chunk that reaches the
      // end of its tokens samples.
      ASSERT_EQ(c.sample, c.pos0 + c.n_tokens == static_cast<int32_t>(s.tokens(c.seq).size()));
    }
    for (SeqId id : plan.preempted) ASSERT_FALSE(in_plan.contains(id));
    e.evaluate(s, plan);
    if (::testing::Test::HasFatalFailure()) return;
    s.complete(plan);

    // Apply results: sample, maybe fork, maybe finish.
    for (const auto& c : plan.chunks) {
      if (!c.sample) continue;
      const SeqId id = c.seq;
      const int32_t len = static_cast<int32_t>(s.tokens(id).size());
      ASSERT_TRUE(sampled_at[id].insert(len).second) << "sampled twice at one length";
      if (s.n_computed(id) == s.n_prompt(id)) cached_total += s.n_cached_prompt(id);
      if (len >= target[id]) {
        s.finish(id);
        live.erase(id);
        target.erase(id);
        ++n_finished;
        continue;
      }
      if (n_added < n_seqs && uniform(0, 5) == 0) {
        const SeqId child = next_id++;
        s.fork(id, child);
        live.insert(child);
        target[child] = target[id];
        sampled_at[child] = sampled_at[id];
        s.append_token(child, uniform(0, 3));
        ++n_forks;
        ++n_added;
      }
      s.append_token(id, uniform(0, 3));
    }
    check_invariants(s, live, e);
    if (::testing::Test::HasFatalFailure()) return;
  }
  EXPECT_EQ(n_finished + n_cancelled, n_added);
  EXPECT_GT(n_finished, n_seqs / 2);
  EXPECT_EQ(s.blocks().n_used(), 0);
  EXPECT_EQ(s.n_running(), 0);
  EXPECT_EQ(s.n_waiting(), 0);
  stats->preemptions += s.n_preemptions();
  stats->forks += n_forks;
  stats->cached_prompt_tokens += cached_total;
}

class SchedulerSimTest : public ::testing::TestWithParam<SimConfig> {};

TEST_P(SchedulerSimTest, ManySequencesAlwaysFinishAndKeepEveryInvariant) {
  SimStats stats;
  simulate(GetParam(), &stats);
}

INSTANTIATE_TEST_SUITE_P(
    TinyPools, SchedulerSimTest,
    ::testing::Values(SimConfig{1, 8, 4, 4, 1}, SimConfig{2, 6, 5, 3, 2}, SimConfig{4, 5, 7, 4, 3},
                      SimConfig{4, 8, 16, 8, 4}, SimConfig{4, 12, 3, 2, 5}, SimConfig{3, 7, 64, 6, 6},
                      SimConfig{8, 4, 9, 2, 7}, SimConfig{2, 16, 32, 16, 8}, SimConfig{4, 6, 2, 6, 9},
                      SimConfig{1, 3, 1, 3, 10}));

// Hundreds of random shapes (block sizes 1-8, pools of 3-16 blocks, any budget), and
// proof that the hard paths (preemption, forks, copies, prefix hits) are taken.
TEST(SchedulerSimRandomTest, RandomConfigurations) {
  std::mt19937 rng(123);
  SimStats stats;
  for (uint32_t i = 0; i < 300; ++i) {
    const SimConfig cfg{.block_size = static_cast<int32_t>(1 + rng() % 8),
                        .n_blocks = static_cast<int32_t>(3 + rng() % 14),
                        .max_batch_tokens = static_cast<int32_t>(1 + rng() % 40),
                        .max_running = static_cast<int32_t>(1 + rng() % 10),
                        .seed = 1000 + i};
    SCOPED_TRACE(::testing::Message() << "config " << i << ": block_size " << cfg.block_size << ", n_blocks "
                                      << cfg.n_blocks << ", budget " << cfg.max_batch_tokens << ", max_running "
                                      << cfg.max_running);
    simulate(cfg, &stats);
    if (::testing::Test::HasFailure()) return;
  }
  EXPECT_GT(stats.preemptions, 1000);
  EXPECT_GT(stats.forks, 1000);
  EXPECT_GT(stats.cached_prompt_tokens, 1000);
  EXPECT_GT(stats.copies, 100);
}

}  // namespace
}  // namespace herd
