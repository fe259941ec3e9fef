#include "tokenizer/tokenizer.h"

#include <list>
#include <utility>

#include "tokenizer/spm_tokenizer.h"

namespace herd {

Tokenizer::~Tokenizer() = default;

Result<std::unique_ptr<Tokenizer>> Tokenizer::from_gguf(const GgufFile& file) {
  HERD_ASSIGN_OR_RETURN(Vocab vocab, Vocab::from_gguf(file));
  return create(std::move(vocab));
}

Result<std::unique_ptr<Tokenizer>> Tokenizer::create(Vocab vocab) {
  if (vocab.model() == "llama") {
    return std::unique_ptr<Tokenizer>(new SpmTokenizer(std::move(vocab)));
  }
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
  std::list<TextFragment> frags;
  if (!text.empty()) frags.push_back({-1, text});
  // Each token in turn (longest text first) cuts every raw fragment where it occurs,
  // so a longer token wins over a shorter one that overlaps it.
  for (int32_t id : vocab_.special_tokens()) {
    const TokenType type = vocab_.type(id);
    if (!parse_special && type != TokenType::kUserDefined) continue;
    const std::string_view needle = vocab_.text(id);
    for (auto it = frags.begin(); it != frags.end(); ++it) {
      if (it->token >= 0) continue;
      std::string_view rest = it->text;
      size_t pos = rest.find(needle);
      if (pos == std::string_view::npos) continue;
      // Replace the fragment by [before, token, before, token, ..., after].
      it = frags.erase(it);
      while (pos != std::string_view::npos) {
        if (pos > 0) frags.insert(it, {-1, rest.substr(0, pos)});
        frags.insert(it, {id, rest.substr(pos, needle.size())});
        rest = rest.substr(pos + needle.size());
        pos = rest.find(needle);
      }
      if (!rest.empty()) frags.insert(it, {-1, rest});
      --it;  // the last inserted fragment; the loop's ++it moves past it
    }
  }
  return {frags.begin(), frags.end()};
}

}  // namespace herd
