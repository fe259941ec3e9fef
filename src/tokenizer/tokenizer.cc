#include "tokenizer/tokenizer.h"

#include <algorithm>
#include <exception>
#include <new>
#include <utility>

#include "tokenizer/bpe_tokenizer.h"
#include "tokenizer/spm_tokenizer.h"
#include "tokenizer/wpm_tokenizer.h"

namespace herd {

Tokenizer::Tokenizer(Vocab vocab) : vocab_(std::move(vocab)), special_(vocab_) {}

Tokenizer::~Tokenizer() = default;

Result<std::unique_ptr<Tokenizer>> Tokenizer::from_gguf(const GgufFile& file) {
  // Sizes come from the file's arrays, which the GGUF reader bounds; this barrier keeps a
  // real shortage of memory (or a throw that slipped through) a Status.
  try {
    HERD_ASSIGN_OR_RETURN(Vocab vocab, Vocab::from_gguf(file));
    return create(std::move(vocab));
  } catch (const std::bad_alloc&) {
    return resource_exhausted("out of memory while loading the tokenizer");
  } catch (const std::exception& e) {
    return internal_error(std::string("loading the tokenizer failed: ") + e.what());
  }
}

Result<std::unique_ptr<Tokenizer>> Tokenizer::create(Vocab vocab) {
  if (vocab.model() == "llama") {
    return std::unique_ptr<Tokenizer>(new SpmTokenizer(std::move(vocab)));
  }
  if (vocab.model() == "gpt2") return BpeTokenizer::create(std::move(vocab));
  if (vocab.model() == "bert") return WpmTokenizer::create(std::move(vocab));
  return unsupported("tokenizer model \"" + std::string(vocab.model()) + "\" is not supported yet");
}

void Tokenizer::append_piece(int32_t id, bool render_special, bool& at_start,
                             std::string& out) const {
  std::string piece = token_to_piece(id, render_special);
  if (at_start && vocab_.type(id) != TokenType::kControl) {
    at_start = false;
    if (vocab_.add_space_prefix() && !piece.empty() && piece[0] == ' ') piece.erase(0, 1);
  }
  out += piece;
}

std::string Tokenizer::decode(std::span<const int32_t> ids, bool render_special) const {
  std::string out;
  bool at_start = true;
  for (int32_t id : ids) append_piece(id, render_special, at_start, out);
  return out;
}

std::vector<TextFragment> Tokenizer::split_special(std::string_view text,
                                                   bool parse_special) const {
  // All occurrences in one pass, then the token order decides who gets the overlaps.
  struct Hit {
    int32_t rank;  // index in vocab_.special_tokens(): the order tokens take their turn in
    uint32_t pos;
  };
  const auto specials = vocab_.special_tokens();
  std::vector<Hit> hits;
  special_.for_each_match(text, [&](size_t pos, int32_t rank) {
    if (!parse_special && vocab_.type(specials[rank]) != TokenType::kUserDefined) return;
    hits.push_back({rank, static_cast<uint32_t>(pos)});
  });
  std::vector<TextFragment> out;
  if (hits.empty()) {
    if (!text.empty()) out.push_back({-1, text});
    return out;
  }
  std::sort(hits.begin(), hits.end(), [](const Hit& a, const Hit& b) {
    return a.rank != b.rank ? a.rank < b.rank : a.pos < b.pos;
  });
  std::vector<uint8_t> taken(text.size(), 0);
  std::vector<Hit> accepted;
  for (size_t i = 0; i < hits.size();) {
    const int32_t rank = hits[i].rank;
    const size_t len = vocab_.text(specials[rank]).size();
    size_t last_end = 0;  // a token's own occurrences do not overlap either
    for (; i < hits.size() && hits[i].rank == rank; ++i) {
      const size_t pos = hits[i].pos;
      if (pos < last_end) continue;
      if (std::find(taken.begin() + pos, taken.begin() + pos + len, 1) != taken.begin() + pos + len) {
        continue;
      }
      std::fill(taken.begin() + pos, taken.begin() + pos + len, 1);
      last_end = pos + len;
      accepted.push_back(hits[i]);
    }
  }
  std::sort(accepted.begin(), accepted.end(), [](const Hit& a, const Hit& b) { return a.pos < b.pos; });
  size_t at = 0;
  for (const Hit& h : accepted) {
    const int32_t id = specials[h.rank];
    const size_t len = vocab_.text(id).size();
    if (h.pos > at) out.push_back({-1, text.substr(at, h.pos - at)});
    out.push_back({id, text.substr(h.pos, len)});
    at = h.pos + len;
  }
  if (at < text.size()) out.push_back({-1, text.substr(at)});
  return out;
}

std::vector<int32_t> Tokenizer::encode(std::string_view text, bool add_special, bool parse_special) const {
  std::vector<int32_t> out;
  out.reserve(text.size() / 3 + 4);
  if (add_special && vocab_.add_bos()) out.push_back(vocab_.bos_id());
  bool starts_text = true;
  for (const TextFragment& frag : split_special(text, parse_special)) {
    if (frag.token >= 0) {
      out.push_back(frag.token);
      starts_text = true;
    } else {
      encode_raw(frag.text, starts_text, out);
      starts_text = false;
    }
  }
  if (add_special && vocab_.add_eos()) out.push_back(vocab_.eos_id());
  return out;
}

namespace {

// "<0xXX>" -> the byte, or -1.
int parse_byte_token(std::string_view text) {
  if (text.size() != 6 || text.substr(0, 3) != "<0x" || text[5] != '>') return -1;
  auto hex = [](char c) -> int {
    if (c >= '0' && c <= '9') return c - '0';
    if (c >= 'A' && c <= 'F') return c - 'A' + 10;
    if (c >= 'a' && c <= 'f') return c - 'a' + 10;
    return -1;
  };
  const int hi = hex(text[3]);
  const int lo = hex(text[4]);
  return hi >= 0 && lo >= 0 ? hi * 16 + lo : -1;
}

}  // namespace

std::string Tokenizer::token_to_piece(int32_t id, bool render_special) const {
  if (!vocab_.valid_id(id)) return {};
  const std::string_view text = vocab_.text(id);
  const TokenType type = vocab_.type(id);
  switch (type) {
    case TokenType::kControl:
    case TokenType::kUnknown:
      return render_special ? std::string(text) : std::string();
    case TokenType::kUnused:
      return {};
    case TokenType::kByte:
      if (const int b = parse_byte_token(text); b >= 0) return std::string(1, static_cast<char>(b));
      break;
    case TokenType::kNormal:
    case TokenType::kUserDefined:
    case TokenType::kUndefined:
      break;
  }
  return text_piece(type, text);
}

}  // namespace herd
