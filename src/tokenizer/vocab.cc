#include "tokenizer/vocab.h"

#include <algorithm>
#include <array>
#include <cmath>
#include <cstdio>
#include <functional>
#include <limits>
#include <utility>

namespace herd {
namespace {

// Texts that mark the end of a turn in common chat formats, most specific first. The
// first one present (as a control or user-defined token) is the vocab's eot.
constexpr std::array<std::string_view, 8> kEotTexts = {
    "<|eot_id|>", "<|im_end|>", "<|end|>", "<end_of_turn>",
    "<EOT>", "_<EOT>", "<\xEF\xBD\x9C" "end\xE2\x96\x81of\xE2\x96\x81sentence\xEF\xBD\x9C>",
    "<|endoftext|>",
};
// Texts whose tokens end generation (in addition to eos, eot and eom).
constexpr std::array<std::string_view, 7> kExtraEogTexts = {
    "<|return|>", "<|call|>", "<|eom_id|>", "<|end_of_text|>", "<end_of_utterance>",
    "<|endoftext|>", "<|im_end|>",
};

constexpr int64_t kNoId = 0xFFFFFFFFll;  // how GGUF writers spell "none" in a u32

// llama.cpp turns BOS on by default for these BPE pre-tokenizers (Llama 3, Tekken, ...).
bool bpe_pre_adds_bos(std::string_view pre) {
  for (std::string_view p : {"llama3", "llama-v3", "llama-bpe", "falcon3", "tekken", "chameleon"}) {
    if (pre == p) return true;
  }
  return false;
}

bool is_special_type(TokenType t) {
  return t == TokenType::kControl || t == TokenType::kUserDefined || t == TokenType::kUnknown;
}

// Reads an optional token id. Absent: `fallback` when it is a valid id, else none.
// Present: 0xFFFFFFFF and negatives are none; past the vocab is an error when
// `strict`, otherwise none (files in the wild carry e.g. a pad id of n_vocab).
Result<int64_t> read_token_id(const GgufFile& file, std::string_view key, int64_t fallback,
                              size_t n_tokens, bool strict) {
  if (file.find(key) == nullptr) {
    return fallback >= 0 && static_cast<uint64_t>(fallback) < n_tokens ? fallback : -1;
  }
  HERD_ASSIGN_OR_RETURN(int64_t id, file.get_int(key));
  if (id < 0 || id == kNoId) return int64_t{-1};
  if (static_cast<uint64_t>(id) >= n_tokens) {
    if (!strict) return int64_t{-1};
    return corrupt_file(std::string(key) + " = " + std::to_string(id) + " is past the vocab of " +
                        std::to_string(n_tokens) + " tokens");
  }
  return id;
}

Status check_id(const char* what, int64_t id, size_t n_tokens) {
  if (id == -1 || (id >= 0 && static_cast<uint64_t>(id) < n_tokens)) return Status::ok_status();
  return invalid_argument(std::string(what) + " id " + std::to_string(id) + " is not a token of a " +
                          std::to_string(n_tokens) + "-token vocab");
}

}  // namespace

std::string_view token_type_name(TokenType type) {
  switch (type) {
    case TokenType::kUndefined: return "undefined";
    case TokenType::kNormal: return "normal";
    case TokenType::kUnknown: return "unknown";
    case TokenType::kControl: return "control";
    case TokenType::kUserDefined: return "user-defined";
    case TokenType::kUnused: return "unused";
    case TokenType::kByte: return "byte";
  }
  return "?";
}

Result<Vocab> Vocab::from_gguf(const GgufFile& file) {
  VocabParams p;
  HERD_ASSIGN_OR_RETURN(std::string_view model, file.get_string("tokenizer.ggml.model"));
  p.model = std::string(model);
  if (file.find("tokenizer.ggml.pre") != nullptr) {
    HERD_ASSIGN_OR_RETURN(std::string_view pre, file.get_string("tokenizer.ggml.pre"));
    p.pre = std::string(pre);
  }

  HERD_ASSIGN_OR_RETURN(const GgufValue* tokens,
                        file.get_array("tokenizer.ggml.tokens", GgufType::kString));
  const size_t n = tokens->array.size();
  if (n == 0) return corrupt_file("tokenizer.ggml.tokens is empty");
  p.tokens.reserve(n);
  for (const GgufValue& v : tokens->array) p.tokens.emplace_back(v.str);

  if (file.find("tokenizer.ggml.scores") != nullptr) {
    HERD_ASSIGN_OR_RETURN(const GgufValue* scores,
                          file.get_array("tokenizer.ggml.scores", GgufType::kFloat32));
    if (scores->array.size() != n) {
      return corrupt_file("tokenizer.ggml.scores has " + std::to_string(scores->array.size()) +
                          " entries but tokenizer.ggml.tokens has " + std::to_string(n));
    }
    p.scores.reserve(n);
    for (size_t i = 0; i < n; ++i) {
      const float score = static_cast<float>(scores->array[i].f);
      // SPM merges by score: a NaN compares false both ways and breaks the merge order.
      if (!std::isfinite(score)) {
        return corrupt_file("tokenizer.ggml.scores[" + std::to_string(i) + "] = " + std::to_string(score) +
                            " is not a finite number");
      }
      p.scores.push_back(score);
    }
  }
  if (file.find("tokenizer.ggml.token_type") != nullptr) {
    HERD_ASSIGN_OR_RETURN(const GgufValue* types,
                          file.get_array("tokenizer.ggml.token_type", GgufType::kInt32));
    if (types->array.size() != n) {
      return corrupt_file("tokenizer.ggml.token_type has " + std::to_string(types->array.size()) +
                          " entries but tokenizer.ggml.tokens has " + std::to_string(n));
    }
    p.types.reserve(n);
    for (size_t i = 0; i < n; ++i) {
      const int64_t t = types->array[i].i;
      if (t < 0 || t > static_cast<int64_t>(TokenType::kByte)) {
        return corrupt_file("tokenizer.ggml.token_type[" + std::to_string(i) + "] = " +
                            std::to_string(t) + " is not a token type");
      }
      p.types.push_back(static_cast<TokenType>(t));
    }
  }

  if (p.model == "gpt2" && file.find("tokenizer.ggml.merges") == nullptr) {
    return corrupt_file("tokenizer.ggml.model is \"gpt2\" (BPE) but tokenizer.ggml.merges is missing");
  }
  if (file.find("tokenizer.ggml.merges") != nullptr) {
    HERD_ASSIGN_OR_RETURN(const GgufValue* merges,
                          file.get_array("tokenizer.ggml.merges", GgufType::kString));
    p.merges.reserve(merges->array.size());
    for (const GgufValue& v : merges->array) p.merges.emplace_back(v.str);
    if (p.model == "gpt2" && p.merges.empty()) {
      return corrupt_file("tokenizer.ggml.model is \"gpt2\" (BPE) but tokenizer.ggml.merges is empty");
    }
  }

  // Defaults per tokenizer model, as llama.cpp assumes when a key is absent.
  int64_t def_bos = -1, def_eos = -1, def_unk = -1;
  bool def_add_bos = false, def_add_eos = false, def_space_prefix = false;
  if (p.model == "llama") {
    def_bos = 1;
    def_eos = 2;
    def_unk = 0;
    def_add_bos = true;
    def_space_prefix = true;
  } else if (p.model == "gpt2") {
    def_bos = 11;
    def_eos = 11;
    def_add_bos = bpe_pre_adds_bos(p.pre);
  } else if (p.model == "bert") {
    // WordPiece: [CLS] text [SEP]; the "▁" (U+2581) in front of word-start pieces is the
    // phantom space that decoding drops from the first word.
    HERD_ASSIGN_OR_RETURN(def_bos, read_token_id(file, "tokenizer.ggml.cls_token_id", 101, n, false));
    HERD_ASSIGN_OR_RETURN(def_eos,
                          read_token_id(file, "tokenizer.ggml.seperator_token_id", 102, n, false));
    def_unk = 100;
    def_add_bos = true;
    def_add_eos = true;
    def_space_prefix = true;
  }
  HERD_ASSIGN_OR_RETURN(p.bos_id, read_token_id(file, "tokenizer.ggml.bos_token_id", def_bos, n, true));
  HERD_ASSIGN_OR_RETURN(p.eos_id, read_token_id(file, "tokenizer.ggml.eos_token_id", def_eos, n, true));
  HERD_ASSIGN_OR_RETURN(p.unk_id,
                        read_token_id(file, "tokenizer.ggml.unknown_token_id", def_unk, n, true));
  HERD_ASSIGN_OR_RETURN(p.pad_id,
                        read_token_id(file, "tokenizer.ggml.padding_token_id", -1, n, false));
  HERD_ASSIGN_OR_RETURN(p.eot_id, read_token_id(file, "tokenizer.ggml.eot_token_id", -1, n, false));
  HERD_ASSIGN_OR_RETURN(p.eom_id, read_token_id(file, "tokenizer.ggml.eom_token_id", -1, n, false));
  HERD_ASSIGN_OR_RETURN(p.add_bos, file.get_bool_or("tokenizer.ggml.add_bos_token", def_add_bos));
  HERD_ASSIGN_OR_RETURN(p.add_eos, file.get_bool_or("tokenizer.ggml.add_eos_token", def_add_eos));
  HERD_ASSIGN_OR_RETURN(p.add_space_prefix,
                        file.get_bool_or("tokenizer.ggml.add_space_prefix", def_space_prefix));

  Result<Vocab> vocab = create(std::move(p));
  if (!vocab.ok()) return Status(StatusCode::kCorruptFile, vocab.status().message());
  return vocab;
}

Result<Vocab> Vocab::create(VocabParams p) {
  const size_t n = p.tokens.size();
  if (n == 0) return invalid_argument("a vocab needs at least one token");
  if (n > static_cast<size_t>(std::numeric_limits<int32_t>::max())) {
    return invalid_argument("too many tokens: " + std::to_string(n));
  }
  if (!p.scores.empty() && p.scores.size() != n) {
    return invalid_argument(std::to_string(p.scores.size()) + " scores for " + std::to_string(n) +
                            " tokens");
  }
  if (!p.types.empty() && p.types.size() != n) {
    return invalid_argument(std::to_string(p.types.size()) + " token types for " +
                            std::to_string(n) + " tokens");
  }
  HERD_RETURN_IF_ERROR(check_id("bos", p.bos_id, n));
  HERD_RETURN_IF_ERROR(check_id("eos", p.eos_id, n));
  HERD_RETURN_IF_ERROR(check_id("unknown", p.unk_id, n));
  HERD_RETURN_IF_ERROR(check_id("padding", p.pad_id, n));
  HERD_RETURN_IF_ERROR(check_id("eot", p.eot_id, n));
  HERD_RETURN_IF_ERROR(check_id("eom", p.eom_id, n));

  size_t total = 0;
  for (const std::string& t : p.tokens) total += t.size();
  if (total > std::numeric_limits<uint32_t>::max()) {
    return invalid_argument("token texts total " + std::to_string(total) + " bytes");
  }

  Vocab v;
  v.texts_.reserve(total);
  v.offsets_.reserve(n + 1);
  v.offsets_.push_back(0);
  for (const std::string& t : p.tokens) {
    v.texts_ += t;
    v.offsets_.push_back(static_cast<uint32_t>(v.texts_.size()));
  }
  v.scores_ = p.scores.empty() ? std::vector<float>(n, 0.0f) : std::move(p.scores);
  v.types_ = p.types.empty() ? std::vector<TokenType>(n, TokenType::kNormal) : std::move(p.types);
  v.model_ = std::move(p.model);
  v.pre_ = std::move(p.pre);
  v.bos_id_ = static_cast<int32_t>(p.bos_id);
  v.eos_id_ = static_cast<int32_t>(p.eos_id);
  v.unk_id_ = static_cast<int32_t>(p.unk_id);
  v.pad_id_ = static_cast<int32_t>(p.pad_id);
  v.eot_id_ = static_cast<int32_t>(p.eot_id);
  v.eom_id_ = static_cast<int32_t>(p.eom_id);
  v.add_bos_ = p.add_bos && v.bos_id_ >= 0;
  v.add_eos_ = p.add_eos && v.eos_id_ >= 0;
  v.add_space_prefix_ = p.add_space_prefix;
  v.merges_ = std::move(p.merges);
  v.build_index();
  v.build_derived(p.detect_eot);
  return v;
}

void Vocab::build_index() {
  size_t cap = 2;
  while (cap < 2 * types_.size()) cap *= 2;
  slots_.assign(cap, -1);
  const size_t mask = cap - 1;
  for (int32_t id = 0; id < n_tokens(); ++id) {
    const std::string_view t = text(id);
    size_t h = std::hash<std::string_view>{}(t) & mask;
    while (slots_[h] != -1 && text(slots_[h]) != t) h = (h + 1) & mask;
    slots_[h] = id;  // a later duplicate replaces an earlier one
  }
}

void Vocab::build_derived(bool detect_eot) {
  for (int b = 0; b < 256; ++b) {
    char name[8];
    std::snprintf(name, sizeof name, "<0x%02X>", b);
    const std::optional<int32_t> id = find(name);
    byte_tokens_[b] = id && type(*id) == TokenType::kByte ? *id : -1;
  }

  special_tokens_.clear();
  for (int32_t id = 0; id < n_tokens(); ++id) {
    if (is_special_type(type(id)) && !text(id).empty()) special_tokens_.push_back(id);
  }
  std::stable_sort(special_tokens_.begin(), special_tokens_.end(),
                   [this](int32_t a, int32_t b) { return text(a).size() > text(b).size(); });

  auto named_token = [this](std::string_view t) -> int32_t {
    const std::optional<int32_t> id = find(t);
    if (!id) return -1;
    const TokenType ty = type(*id);
    return ty == TokenType::kControl || ty == TokenType::kUserDefined ? *id : -1;
  };
  if (detect_eot && eot_id_ < 0) {
    for (std::string_view t : kEotTexts) {
      eot_id_ = named_token(t);
      if (eot_id_ >= 0) break;
    }
  }
  eog_ids_.clear();
  for (int32_t id : {eos_id_, eot_id_, eom_id_}) {
    if (id >= 0) eog_ids_.push_back(id);
  }
  if (detect_eot) {
    for (std::string_view t : kExtraEogTexts) {
      const int32_t id = named_token(t);
      if (id >= 0) eog_ids_.push_back(id);
    }
  }
  std::sort(eog_ids_.begin(), eog_ids_.end());
  eog_ids_.erase(std::unique(eog_ids_.begin(), eog_ids_.end()), eog_ids_.end());
}

std::string_view Vocab::text(int32_t id) const {
  if (!valid_id(id)) return {};
  return std::string_view(texts_).substr(offsets_[id], offsets_[id + 1] - offsets_[id]);
}

float Vocab::score(int32_t id) const { return valid_id(id) ? scores_[id] : 0.0f; }

TokenType Vocab::type(int32_t id) const {
  return valid_id(id) ? types_[id] : TokenType::kUndefined;
}

std::optional<int32_t> Vocab::find(std::string_view t) const {
  if (slots_.empty()) return std::nullopt;
  const size_t mask = slots_.size() - 1;
  size_t h = std::hash<std::string_view>{}(t) & mask;
  while (slots_[h] != -1) {
    if (text(slots_[h]) == t) return slots_[h];
    h = (h + 1) & mask;
  }
  return std::nullopt;
}

bool Vocab::is_end_of_generation(int32_t id) const {
  return std::binary_search(eog_ids_.begin(), eog_ids_.end(), id);
}

}  // namespace herd
