// The pre-tokenizer of byte-level BPE: before merging, text is cut into words by a
// model family's regexes (tokenizer.ggml.pre names the family). Each regex in turn cuts
// every piece so far into its matches and the runs between them ("isolated" splits, as
// Hugging Face's Split does); a regex never sees past the piece it works on. Matching
// uses PCRE2 with Unicode properties (UTF + UCP) and its JIT.
#pragma once

#include <memory>
#include <string>
#include <string_view>
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
  // kInvalidArgument when a pattern does not compile.
  static Result<BpePreTokenizer> create(const std::vector<std::string>& patterns);

  BpePreTokenizer(BpePreTokenizer&&) noexcept;
  BpePreTokenizer& operator=(BpePreTokenizer&&) noexcept;
  ~BpePreTokenizer();

  // Appends the words of `text` in order; together they cover `text` exactly and none
  // is empty. Ill-formed UTF-8 bytes are words of their own and never reach a regex.
  // `scratch` is reused storage (may be empty); the words point into `text`.
  void split(std::string_view text, std::vector<std::string_view>& words,
             std::vector<std::string_view>& scratch) const;

 private:
  struct Regex;
  BpePreTokenizer() = default;
  // Cuts every piece of `in` by `re`, appending the results to `out`.
  static void split_by(const Regex& re, const std::vector<std::string_view>& in,
                       std::vector<std::string_view>& out);

  std::vector<std::unique_ptr<Regex>> regexes_;
};

}  // namespace herd
