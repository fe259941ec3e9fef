// Filler text for prompts: plain words in the register of children's stories, so
// small story models read them as ordinary input.
#pragma once

#include <cstdint>
#include <string>

namespace herd::load {

// The first `n` words of an endless story (a fixed paragraph, repeated).
std::string story_words(size_t n);

// `n` words picked pseudo-randomly from the same vocabulary, seeded by `seed`.
std::string shuffled_words(size_t n, uint64_t seed);

}  // namespace herd::load
