// Sampler: turns one step's logits into one token id, for one sequence.
//
// The chain, in order:
//   1. copy the logits (NaN becomes -inf; the caller's array is never written);
//      tokens outside the allowed mask (a grammar's) become -inf, then logit_bias
//      is added to the others
//   2. penalties, for tokens among the last repeat_last_n accepted ones:
//      repeat_penalty (logit > 0: /penalty, else *penalty), then
//      logit -= count * frequency_penalty + (count > 0) * presence_penalty
//   3. temperature <= 0: greedy, the argmax with the lowest id winning ties; stop
//   4. drop -inf tokens (probability 0); if none is left, return id 0 (the
//      greedy answer over all-equal -inf logits)
//   5. top-k: keep the k highest logits (ties: lower id first)
//   6. temperature scaling and softmax: p ~ exp((logit - max) / temperature).
//      +inf logits share all of the mass equally.
//   7. top-p: sort by logit (once, unless top-k already did), keep the shortest
//      prefix whose mass reaches top_p
//   8. min-p: keep tokens with p >= min_p * p_max
//   9. renormalise and draw with a seeded xoshiro256** (see rng.h)
//
// Cost per sample: O(n_vocab) for the copy, -inf filter and softmax; top-k adds
// O(k log k) (nth_element, then a sort of the k kept); top-p without top-k sorts
// the finite candidates once; penalties cost O(w log w) for a window of w. The
// candidate buffer is kept between calls, so sample() allocates nothing once it
// has seen the largest vocabulary and a full history window.
//
// The RNG stream is identical everywhere; the drawn token also depends on exp()
// from the C library, which can differ in the last bit between platforms.
#pragma once

#include <cstddef>
#include <cstdint>
#include <span>
#include <vector>

#include "sampling/rng.h"
#include "sampling/sampling_params.h"

namespace herd {

// One candidate token: its id, its logit after penalties (before temperature),
// and its probability.
struct TokenProb {
  int32_t id;
  float logit;
  float p;
};

class Sampler {
 public:
  // Returned by sample() for an empty logits array (a caller bug, not a token).
  static constexpr int32_t kNoToken = -1;

  // `params` should have passed validate(); a NaN temperature counts as greedy.
  explicit Sampler(const SamplingParams& params);

  // Picks the next token id in [0, logits.size()). `allowed`, when not empty, is a
  // bitmask over the ids (bit id % 64 of word id / 64; ids past its end are refused):
  // only those tokens can be drawn, by every sampler including greedy, which takes the
  // lowest allowed id when every allowed logit is -inf. An empty mask allows all.
  int32_t sample(std::span<const float> logits, std::span<const uint64_t> allowed = {});

  // Records a token that joined the sequence (sampled, or from the prompt when
  // the caller wants prompt tokens penalised too). Ids outside the vocabulary of
  // a later sample() are kept but ignored there.
  void accept(int32_t token);

  // Forgets the history and restarts the RNG from params.seed, so the same
  // logits and accepts reproduce the same tokens.
  void reset();

  const SamplingParams& params() const { return params_; }

  // What the last sample() drew from: the surviving candidates with
  // renormalised p summing to 1, sorted by logit when top-k or top-p sorted
  // them and in id order otherwise. Greedy leaves the one chosen token with
  // p = 1. Valid until the next sample() or reset().
  std::span<const TokenProb> last_distribution() const {
    return std::span<const TokenProb>(candidates_.data(), n_kept_);
  }

 private:
  void apply_penalties(std::span<TokenProb> by_id);
  int32_t sample_greedy(size_t n_vocab, std::span<const uint64_t> allowed);
  int32_t draw(size_t n);

  SamplingParams params_;
  Xoshiro256ss rng_;
  bool penalties_on_;
  std::vector<TokenProb> candidates_;  // reused between calls; [0, n_kept_) valid
  size_t n_kept_ = 0;
  std::vector<int32_t> history_;       // ring of the last repeat_last_n accepted ids
  size_t history_head_ = 0;            // oldest entry once the ring is full
  std::vector<int32_t> window_;        // scratch: sorted copy of history_
};

}  // namespace herd
