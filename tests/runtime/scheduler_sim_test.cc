// The scheduler under a randomized simulation: many sequences, tiny pools, random
// cancels; every invariant checked at every step.
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
  ASSERT_LE(running, s.params().max_running) << "forks count against max_running too";
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
