#include "runtime/scheduler.h"

#include <gtest/gtest.h>

#include <algorithm>
#include <cstdint>
#include <map>
#include <random>
#include <set>
#include <vector>


#include "scheduler_fake_engine.h"

namespace herd {
namespace {

using namespace sched_test;

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

}  // namespace
}  // namespace herd
