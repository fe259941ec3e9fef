#include "story_words.h"

#include <sstream>
#include <vector>

namespace herd::load {
namespace {

const std::vector<std::string>& paragraph() {
  static const std::vector<std::string> words = [] {
    const char* text =
        "Ben and his sister Mia lived in a small red house near the big green park. "
        "Every morning they ran to the pond to look at the ducks. One day Mia found a "
        "shiny blue stone under a tree. She showed it to Ben and he said it was the "
        "best stone in the whole world. They put the stone in a box and hid the box "
        "in the garden. Then the rain came and the garden was wet and muddy. Ben was "
        "sad because he could not find the box. Mia gave him a hug and they looked "
        "again after lunch. At last they saw the box next to the old wall. They were "
        "happy and they laughed and played with their dog until the sun went down.";
    std::vector<std::string> out;
    std::istringstream in(text);
    for (std::string w; in >> w;) out.push_back(w);
    return out;
  }();
  return words;
}

// splitmix64: a tiny, well-mixed generator, enough to vary filler words.
uint64_t next_random(uint64_t& state) {
  uint64_t z = (state += 0x9e3779b97f4a7c15ULL);
  z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ULL;
  z = (z ^ (z >> 27)) * 0x94d049bb133111ebULL;
  return z ^ (z >> 31);
}

}  // namespace

std::string story_words(size_t n) {
  const auto& words = paragraph();
  std::string out;
  for (size_t i = 0; i < n; ++i) {
    if (i) out.push_back(' ');
    out += words[i % words.size()];
  }
  return out;
}

std::string shuffled_words(size_t n, uint64_t seed) {
  const auto& words = paragraph();
  std::string out;
  for (size_t i = 0; i < n; ++i) {
    if (i) out.push_back(' ');
    out += words[next_random(seed) % words.size()];
  }
  return out;
}

}  // namespace herd::load
