// A small seeded PRNG whose output is the same on every platform and standard
// library: xoshiro256** (Blackman & Vigna) with its state filled by SplitMix64.
// std::mt19937 is portable too, but std::uniform_real_distribution is not, so the
// uniform double is built here from raw bits.
#pragma once

#include <cstdint>

namespace herd {

// One SplitMix64 step: advances `state` by the golden-ratio increment and returns
// the mixed value. Used only to spread a 64-bit seed over xoshiro's 256-bit state.
inline uint64_t splitmix64_next(uint64_t& state) {
  state += 0x9e3779b97f4a7c15ull;
  uint64_t z = state;
  z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ull;
  z = (z ^ (z >> 27)) * 0x94d049bb133111ebull;
  return z ^ (z >> 31);
}

class Xoshiro256ss {
 public:
  explicit Xoshiro256ss(uint64_t seed) { reseed(seed); }

  void reseed(uint64_t seed) {
    uint64_t sm = seed;
    // SplitMix64's mixer is a bijection over distinct counters, so the four words
    // are never all zero (the one state xoshiro cannot leave).
    for (uint64_t& w : s_) w = splitmix64_next(sm);
  }

  uint64_t next() {
    const uint64_t result = rotl(s_[1] * 5, 7) * 9;
    const uint64_t t = s_[1] << 17;
    s_[2] ^= s_[0];
    s_[3] ^= s_[1];
    s_[1] ^= s_[2];
    s_[0] ^= s_[3];
    s_[2] ^= t;
    s_[3] = rotl(s_[3], 45);
    return result;
  }

  // Uniform in [0, 1): the top 53 bits scaled by 2^-53, exact in a double.
  double next_double() { return static_cast<double>(next() >> 11) * 0x1.0p-53; }

 private:
  static uint64_t rotl(uint64_t x, int k) { return (x << k) | (x >> (64 - k)); }

  uint64_t s_[4];
};

}  // namespace herd
