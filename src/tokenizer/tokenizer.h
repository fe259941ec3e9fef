// Text <-> token ids. Tokenizer is the interface; each tokenizer model is one subclass
// chosen by tokenizer.ggml.model: "llama" SPM (spm_tokenizer.h), "gpt2" byte-level BPE
// (bpe_tokenizer.h), "bert" WordPiece (wpm_tokenizer.h).
// The parts every model shares live here: special-token splitting, whole-sequence
// decoding and the end-of-generation test.
#pragma once

#include <cstdint>
#include <memory>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "base/status.h"
#include "gguf/gguf_file.h"
#include "tokenizer/special_token_matcher.h"
#include "tokenizer/vocab.h"

namespace herd {

// A piece of the input after special-token splitting: either text still to be
// tokenized (token == -1) or one token named by its text.
struct TextFragment {
  int32_t token = -1;
  std::string_view text;  // the input bytes it covers
};

class Tokenizer {
 public:
  // Reads the vocab and builds the tokenizer its tokenizer.ggml.model names;
  // kUnsupported for models not implemented yet.
  static Result<std::unique_ptr<Tokenizer>> from_gguf(const GgufFile& file);
  static Result<std::unique_ptr<Tokenizer>> create(Vocab vocab);

  virtual ~Tokenizer();
  Tokenizer(const Tokenizer&) = delete;
  Tokenizer& operator=(const Tokenizer&) = delete;

  const Vocab& vocab() const { return vocab_; }

  // add_special: BOS/EOS as the vocab says. parse_special: the text of a control or
  // unknown-type token ("<s>", "</s>", "<unk>") becomes that token; otherwise it is
  // plain text. User-defined tokens are always matched whole, as in SentencePiece and
  // Hugging Face (they are added vocabulary, not control).
  std::vector<int32_t> encode(std::string_view text, bool add_special, bool parse_special) const;
  // The bytes one token stands for. Control and unknown tokens give "" unless
  // render_special (then their text); ids outside the vocab give "".
  std::string token_to_piece(int32_t id, bool render_special = false) const;

  // The text of a whole sequence: the pieces joined, less the one space SPM puts in
  // front of the first word (see append_piece). Bytes are returned as they are, so an
  // id sequence that splits a character gives invalid UTF-8 here; StreamingDecoder
  // sanitizes.
  std::string decode(std::span<const int32_t> ids, bool render_special = false) const;

  // One step of decode(): appends the piece of `id` to `out`. `at_start` is true before
  // the first token and is cleared by the first token that is not a control token;
  // that token's piece loses one leading space when the vocab adds a space prefix.
  void append_piece(int32_t id, bool render_special, bool& at_start, std::string& out) const;

  bool is_end_of_generation(int32_t id) const { return vocab_.is_end_of_generation(id); }

  // Splits `text` on the texts of special tokens: user-defined ones always, control and
  // unknown ones only when parse_special. As llama.cpp does, each token in the order of
  // Vocab::special_tokens() (longest text first) takes its non-overlapping occurrences,
  // leftmost first, in the text no earlier token took. Raw fragments are never empty.
  std::vector<TextFragment> split_special(std::string_view text, bool parse_special) const;

 protected:
  explicit Tokenizer(Vocab vocab);

  // The model's algorithm on one raw fragment of text (special tokens already split
  // off), appending ids to `out`. `starts_text` is true for the first fragment and for
  // one that follows a special token (SPM then adds its space prefix).
  // The piece of a normal, user-defined or undefined token (and of a byte token whose
  // text is not "<0xXX>"), in the model's own spelling of text.
  virtual std::string text_piece(TokenType type, std::string_view text) const = 0;

  virtual void encode_raw(std::string_view text, bool starts_text, std::vector<int32_t>& out) const = 0;

  Vocab vocab_;
  SpecialTokenMatcher special_;  // over vocab_.special_tokens()
};

}  // namespace herd
