// Test helpers for the scheduler tests: a fake engine whose KV slots hold the
// fingerprint of the prefix written there, so reading wrong or stale KV is caught.
#pragma once

#include <gtest/gtest.h>

#include <algorithm>
#include <cstdint>
#include <map>
#include <random>
#include <set>
#include <span>
#include <vector>

#include "runtime/scheduler.h"

namespace herd::sched_test {

inline SchedulerParams params(int32_t block_size, int32_t n_blocks, int32_t max_batch_tokens, int32_t max_running) {
  return SchedulerParams{.block_size = block_size,
                         .n_blocks = n_blocks,
                         .max_batch_tokens = max_batch_tokens,
                         .max_running = max_running};
}

inline std::vector<int32_t> iota(int32_t first, int32_t n) {
  std::vector<int32_t> t(static_cast<size_t>(n));
  for (int32_t i = 0; i < n; ++i) t[static_cast<size_t>(i)] = first + i;
  return t;
}

inline std::vector<int32_t> concat(std::vector<int32_t> a, const std::vector<int32_t>& b) {
  a.insert(a.end(), b.begin(), b.end());
  return a;
}

inline std::vector<int32_t> table(const Scheduler& s, SeqId id) {
  auto t = s.block_table(id);
  return {t.begin(), t.end()};
}

inline uint64_t mix64(uint64_t x) {
  x ^= x >> 31;
  x *= 0x7fb5d329728ea185ULL;
  x ^= x >> 27;
  x *= 0x81dadef4bc2dd44dULL;
  x ^= x >> 33;
  return x;
}

// What a position's KV would hold: it depends on every token up to it (causal).
inline std::vector<uint64_t> fingerprints(std::span<const int32_t> tokens) {
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
inline StepPlan step(Scheduler& s, FakeEngine& e) {
  StepPlan plan = s.schedule();
  e.evaluate(s, plan);
  s.complete(plan);
  return plan;
}

inline int32_t total_tokens(const StepPlan& plan) {
  int32_t n = 0;
  for (const auto& c : plan.chunks) n += c.n_tokens;
  return n;
}

inline void expect_chunk(const ScheduledChunk& c, SeqId seq, int32_t pos0, int32_t n_tokens, bool sample) {
  EXPECT_EQ(c.seq, seq);
  EXPECT_EQ(c.pos0, pos0);
  EXPECT_EQ(c.n_tokens, n_tokens);
  EXPECT_EQ(c.sample, sample);
}

}  // namespace herd::sched_test
