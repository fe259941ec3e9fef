// The token table of a model: texts, scores, types and special ids, read from the
// tokenizer.ggml.* keys of a GGUF. Shared by every tokenizer model (SPM, BPE, WPM),
// which build their algorithm-specific indexes from it themselves.
#pragma once

#include <cstdint>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "base/status.h"
#include "gguf/gguf_file.h"

namespace herd {

// As in tokenizer.ggml.token_type.
enum class TokenType : int32_t {
  kUndefined = 0,
  kNormal = 1,
  kUnknown = 2,
  kControl = 3,
  kUserDefined = 4,
  kUnused = 5,
  kByte = 6,
};

// Everything a Vocab is built from; from_gguf fills it from the file, tests by hand.
struct VocabParams {
  std::string model;  // tokenizer.ggml.model: "llama" (SPM), "gpt2" (BPE), ...
  std::string pre;    // tokenizer.ggml.pre, "" when absent
  std::vector<std::string> tokens;
  std::vector<float> scores;     // empty: all 0
  std::vector<TokenType> types;  // empty: all kNormal
  std::vector<std::string> merges;  // BPE only: "left right" texts, highest priority first
  // -1 means none; anything else must be a valid id.
  int64_t bos_id = -1;
  int64_t eos_id = -1;
  int64_t unk_id = -1;
  int64_t pad_id = -1;
  int64_t eot_id = -1;  // end of turn (chat models); found by text when -1 and detect_eot
  int64_t eom_id = -1;  // end of message (tool calls)
  bool add_bos = false;
  bool add_eos = false;
  bool add_space_prefix = false;
  bool detect_eot = true;
};

class Vocab {
 public:
  // Reads the tokenizer.ggml.* keys. kNotFound when the file has no token list,
  // kCorruptFile when lengths differ, a type is unknown or bos/eos/unk is out of range.
  static Result<Vocab> from_gguf(const GgufFile& file);
  static Result<Vocab> create(VocabParams params);

  int32_t n_tokens() const { return static_cast<int32_t>(types_.size()); }
  bool valid_id(int32_t id) const { return id >= 0 && id < n_tokens(); }
  // For ids outside [0, n_tokens): "", 0 and kUndefined.
  std::string_view text(int32_t id) const;
  float score(int32_t id) const;
  TokenType type(int32_t id) const;

  int32_t bos_id() const { return bos_id_; }  // -1 when none
  int32_t eos_id() const { return eos_id_; }
  int32_t unk_id() const { return unk_id_; }
  int32_t pad_id() const { return pad_id_; }
  int32_t eot_id() const { return eot_id_; }
  int32_t eom_id() const { return eom_id_; }
  bool add_bos() const { return add_bos_; }
  bool add_eos() const { return add_eos_; }
  bool add_space_prefix() const { return add_space_prefix_; }
  std::string_view model() const { return model_; }
  std::string_view pre() const { return pre_; }
  // tokenizer.ggml.merges (BPE): "left right", rank = index. Empty for other models.
  std::span<const std::string> merges() const { return merges_; }

  // The id whose text is exactly `text` (the highest such id if several share it).
  std::optional<int32_t> find(std::string_view text) const;
  // The byte-fallback token "<0xXX>" for `byte`, or -1 when the vocab has none.
  int32_t byte_token(uint8_t byte) const { return byte_tokens_[byte]; }
  // Tokens that text can name directly (control, user-defined and unknown types with
  // non-empty text), longest text first, ties by id. The order special-token
  // splitting tries them in.
  std::span<const int32_t> special_tokens() const { return special_tokens_; }
  // Ids that end generation: eos, eot, eom and control tokens with a known end text.
  std::span<const int32_t> end_of_generation_ids() const { return eog_ids_; }
  bool is_end_of_generation(int32_t id) const;

 private:
  Vocab() = default;
  void build_index();
  void build_derived(bool detect_eot);

  // Texts live end to end in one string; id i is [offsets_[i], offsets_[i + 1]).
  std::string texts_;
  std::vector<uint32_t> offsets_;
  std::vector<float> scores_;
  std::vector<TokenType> types_;
  std::vector<std::string> merges_;
  // Open-addressing hash of ids keyed by their text (-1 = empty slot). It stores ids,
  // not pointers, so a copied or moved Vocab stays valid.
  std::vector<int32_t> slots_;

  std::string model_;
  std::string pre_;
  int32_t bos_id_ = -1;
  int32_t eos_id_ = -1;
  int32_t unk_id_ = -1;
  int32_t pad_id_ = -1;
  int32_t eot_id_ = -1;
  int32_t eom_id_ = -1;
  bool add_bos_ = false;
  bool add_eos_ = false;
  bool add_space_prefix_ = false;
  int32_t byte_tokens_[256] = {};
  std::vector<int32_t> special_tokens_;
  std::vector<int32_t> eog_ids_;
};

std::string_view token_type_name(TokenType type);

}  // namespace herd
