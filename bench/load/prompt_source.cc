#include "prompt_source.h"

#include "story_words.h"

namespace herd::load {
namespace {

constexpr size_t kUniqueHeadWords = 4;  // enough to make every unique prefix differ at once

uint64_t mix(uint64_t nonce, uint64_t key) { return nonce * 0x100000001b3ULL ^ key; }

std::string unique_head(uint64_t seed) { return shuffled_words(kUniqueHeadWords, ~seed) + ". "; }

// Counts tokens with the server when it can, else estimates four characters a token.
class Sizer {
 public:
  explicit Sizer(const TokenCounter& count) : count_(count) {}
  int tokens(const std::string& text) {
    if (measured_) {
      if (auto n = count_ ? count_(text) : std::nullopt) return *n;
      measured_ = false;
    }
    return static_cast<int>(text.size() / 4);
  }
  bool measured() const { return measured_; }

 private:
  const TokenCounter& count_;
  bool measured_ = true;
};

// The largest word count n whose text(n) is at most `target` tokens.
template <typename TextOf>
size_t fit_words(int target, Sizer& sizer, TextOf text_of) {
  size_t lo = 0, hi = 1;
  while (hi < (1u << 20) && sizer.tokens(text_of(hi)) <= target) {
    lo = hi;
    hi *= 2;
  }
  while (hi - lo > 1) {  // tokens(text_of(lo)) <= target < tokens(text_of(hi))
    const size_t mid = lo + (hi - lo) / 2;
    (sizer.tokens(text_of(mid)) <= target ? lo : hi) = mid;
  }
  return lo;
}

}  // namespace

PromptSource PromptSource::prepare(const PromptParams& params, const TokenCounter& count,
                                   uint64_t nonce) {
  PromptSource src;
  src.params_ = params;
  src.nonce_ = nonce;
  if (params.shared_prefix_tokens <= 0) return src;

  Sizer sizer(count);
  // A unique prefix is sized with a sample head, so both modes send prompts of one length.
  const std::string head = params.unique_prefix ? unique_head(mix(nonce, 1)) : "";
  const size_t prefix_words = fit_words(params.shared_prefix_tokens, sizer,
                                        [&](size_t n) { return head + story_words(n); });
  src.prefix_ = story_words(prefix_words);
  src.suffix_words_ = fit_words(params.suffix_tokens, sizer,
                                [&](size_t n) { return shuffled_words(n, mix(nonce, 0)); });
  src.prefix_tokens_ = sizer.tokens(head + src.prefix_);
  src.suffix_tokens_ = sizer.tokens(shuffled_words(src.suffix_words_, mix(nonce, 0)));
  src.measured_ = sizer.measured();
  return src;
}

Prompt PromptSource::make(uint64_t key) const {
  if (params_.shared_prefix_tokens <= 0) return {"", params_.fixed_text};
  const uint64_t seed = mix(nonce_, key + 1);
  Prompt p;
  p.prefix = params_.unique_prefix ? unique_head(seed) + prefix_ : prefix_;
  p.suffix = shuffled_words(suffix_words_, seed);
  return p;
}

}  // namespace herd::load
