// The prompts a run sends: one fixed text, or a shared prefix of about N tokens
// followed by a suffix that is unique to each request (to exercise prefix caching).
#pragma once

#include <cstdint>
#include <functional>
#include <optional>
#include <string>

namespace herd::load {

struct Prompt {
  std::string prefix;  // shared by requests (unless unique_prefix); empty in fixed-text mode
  std::string suffix;  // differs per request (or is the fixed text)
};

struct PromptParams {
  std::string fixed_text = "Once upon a time";
  int shared_prefix_tokens = 0;  // 0: every request sends fixed_text
  int suffix_tokens = 50;
  bool unique_prefix = false;    // start each prefix with a per-request mark: all misses
};

using TokenCounter = std::function<std::optional<int>(const std::string&)>;

class PromptSource {
 public:
  // Sizes the prefix and suffix with `count` (a server's /tokenize); when it gives
  // nothing, sizes are estimated from characters. `nonce` keeps suffixes of
  // different runs apart.
  static PromptSource prepare(const PromptParams& params, const TokenCounter& count,
                              uint64_t nonce);

  Prompt make(uint64_t key) const;

  bool measured() const { return measured_; }  // sizes came from the server's tokenizer
  int prefix_tokens() const { return prefix_tokens_; }
  int suffix_tokens() const { return suffix_tokens_; }

 private:
  PromptParams params_;
  uint64_t nonce_ = 0;
  std::string prefix_;
  size_t suffix_words_ = 0;
  bool measured_ = false;
  int prefix_tokens_ = 0;
  int suffix_tokens_ = 0;
};

}  // namespace herd::load
