// The pre-tokenizer of byte-level BPE: before merging, text is cut into words by a
// model family's regexes (tokenizer.ggml.pre names the family). Each regex in turn cuts
// every piece so far into its matches and the runs between them ("isolated" splits, as
// Hugging Face's Split does); a regex never sees past the piece it works on. Matching
// uses PCRE2 with Unicode properties (UTF + UCP) and its JIT, or for the most used
// families a hand-written equivalent.
#pragma once

#include <memory>
#include <string>
#include <string_view>
#include <type_traits>
#include <vector>

#include "base/status.h"

namespace herd {

struct BpePreConfig {
  std::vector<std::string> patterns;  // PCRE2 syntax, applied in order
  bool ignore_merges = false;  // a word that is a token as a whole is taken without merging
};

// The regexes of a tokenizer.ggml.pre value ("" means llama.cpp's default set);
// kUnsupported for names not known here.
Result<BpePreConfig> bpe_pre_config(std::string_view pre);

class BpePreTokenizer {
 public:
  // kInvalidArgument when a pattern does not compile. Patterns that are exactly the
  // Llama 3 or Qwen2 regex are matched by a hand-written scan (bpe_split_llama3.h) unless
  // `hand_written` is false (tests compare the two).
  static Result<BpePreTokenizer> create(const std::vector<std::string>& patterns,
                                        bool hand_written = true);

  BpePreTokenizer(BpePreTokenizer&&) noexcept;
  BpePreTokenizer& operator=(BpePreTokenizer&&) noexcept;
  ~BpePreTokenizer();

  // Storage reused across calls.
  struct Scratch {
    std::vector<std::string_view> a, b;
  };

  // Calls `on_word(std::string_view)` for the words of `text` in order; together they
  // cover `text` exactly and none is empty. Ill-formed UTF-8 bytes are words of their
  // own and never reach a regex. The words point into `text`.
  template <typename F>
  void for_each_word(std::string_view text, Scratch& scratch, F&& on_word) const {
    split_impl(text, scratch, &on_word, [](void* f, std::string_view w) {
      (*static_cast<std::remove_reference_t<F>*>(f))(w);
    });
  }

  // for_each_word, appending the words to `words`.
  void split(std::string_view text, std::vector<std::string_view>& words, Scratch& scratch) const {
    for_each_word(text, scratch, [&](std::string_view w) { words.push_back(w); });
  }

 private:
  struct Regex;
  using WordFn = void (*)(void* ctx, std::string_view word);
  BpePreTokenizer() = default;
  // All regexes but the last cut into scratch; the last one hands its words to `fn`.
  void split_impl(std::string_view text, Scratch& scratch, void* ctx, WordFn fn) const;

  std::vector<std::unique_ptr<Regex>> regexes_;
  int llama3_digits_ = 0;  // > 0: split by bpe_split_llama3 with this max_digits instead
};

}  // namespace herd
