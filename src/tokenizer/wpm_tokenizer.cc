#include "tokenizer/wpm_tokenizer.h"

#include <algorithm>
#include <optional>
#include <utility>

#include "tokenizer/byte_level.h"
#include "tokenizer/unicode_data.h"
#include "tokenizer/utf8.h"

namespace herd {
namespace {

constexpr std::string_view kWordStart = "\xE2\x96\x81";  // U+2581

// Decodes the character at the start of `s` (not empty); ill-formed bytes give U+FFFD.
uint32_t next_codepoint(std::string_view s, size_t& len) {
  const Utf8Scan scan = utf8_scan(s);
  len = std::max<size_t>(scan.length, 1);
  if (scan.kind != Utf8Scan::kValid) return 0xFFFD;
  const auto b0 = static_cast<uint8_t>(s[0]);
  if (len == 1) return b0;
  uint32_t cp = b0 & (0x7F >> len);
  for (size_t i = 1; i < len; ++i) cp = (cp << 6) | (static_cast<uint8_t>(s[i]) & 0x3F);
  return cp;
}

bool is_bert_punctuation(uint32_t cp) {
  if (cp < 0x80) {
    return (cp >= 33 && cp <= 47) || (cp >= 58 && cp <= 64) || (cp >= 91 && cp <= 96) ||
           (cp >= 123 && cp <= 126);
  }
  return unicode_is_punctuation(cp);
}

// Collects words; a word is a UTF-8 string plus its length in code points.
struct WordSink {
  std::vector<std::pair<std::string, size_t>> words;
  bool open = false;
  void end_word() { open = false; }
  void add(uint32_t cp) {
    if (!open) {
      words.emplace_back();
      open = true;
    }
    append_utf8(cp, words.back().first);
    ++words.back().second;
  }
  void add_alone(uint32_t cp) {
    end_word();
    add(cp);
    end_word();
  }
};

void normalise(std::string_view text, WordSink& sink) {
  size_t pos = 0;
  while (pos < text.size()) {
    size_t len = 0;
    const uint32_t cp = next_codepoint(text.substr(pos), len);
    pos += len;
    if (cp == '\t' || cp == '\n' || cp == '\r' || unicode_is_white_space(cp)) {
      // White space that is also a control (U+000B, U+000C, U+0085) is dropped, not a
      // separator, as in Hugging Face's BertNormalizer.
      if (cp != 0x0B && cp != 0x0C && cp != 0x85) sink.end_word();
      continue;
    }
    if (cp == 0 || cp == 0xFFFD || unicode_is_other(cp)) continue;
    uint32_t folded[3];
    const int n = unicode_bert_fold(cp, folded);
    if (unicode_is_cjk_ideograph(cp)) {
      sink.end_word();
      for (int i = 0; i < n; ++i) sink.add(folded[i]);
      sink.end_word();
      continue;
    }
    for (int i = 0; i < n; ++i) {
      if (is_bert_punctuation(folded[i])) {
        sink.add_alone(folded[i]);
      } else if (unicode_is_white_space(folded[i])) {
        sink.end_word();
      } else {
        sink.add(folded[i]);
      }
    }
  }
}

}  // namespace

WpmTokenizer::WpmTokenizer(Vocab vocab) : Tokenizer(std::move(vocab)) {
  for (int32_t id = 0; id < vocab_.n_tokens(); ++id) {
    max_token_len_ = std::max(max_token_len_, vocab_.text(id).size());
  }
}

Result<std::unique_ptr<Tokenizer>> WpmTokenizer::create(Vocab vocab) {
  return std::unique_ptr<Tokenizer>(new WpmTokenizer(std::move(vocab)));
}

std::vector<std::string> WpmTokenizer::split_words(std::string_view text) {
  WordSink sink;
  normalise(text, sink);
  std::vector<std::string> out;
  out.reserve(sink.words.size());
  for (auto& w : sink.words) out.push_back(std::move(w.first));
  return out;
}

void WpmTokenizer::encode_fragment(std::string_view text, std::vector<int32_t>& out) const {
  WordSink sink;
  normalise(text, sink);
  std::string buf;
  for (const auto& [word, n_chars] : sink.words) encode_word(word, n_chars, buf, out);
}

void WpmTokenizer::encode_word(std::string_view word, size_t n_chars, std::string& buf,
                               std::vector<int32_t>& out) const {
  const size_t first = out.size();
  bool ok = n_chars <= kMaxWordChars;
  size_t start = 0;
  while (ok && start < word.size()) {
    // The longest piece from `start` that is a token, trying ends at character
    // boundaries from the longest allowed down.
    const std::string_view prefix = start == 0 ? kWordStart : std::string_view();
    size_t end = std::min(word.size(), start + max_token_len_);
    int32_t found = -1;
    for (; end > start; --end) {
      if (end < word.size() && (static_cast<uint8_t>(word[end]) & 0xC0) == 0x80) continue;
      buf.assign(prefix);
      buf.append(word.substr(start, end - start));
      const std::optional<int32_t> id = vocab_.find(buf);
      if (id) {
        found = *id;
        break;
      }
    }
    if (found < 0) {
      ok = false;
      break;
    }
    out.push_back(found);
    start = end;
  }
  if (!ok) {
    out.resize(first);
    if (vocab_.unk_id() >= 0) out.push_back(vocab_.unk_id());
  }
}

std::string WpmTokenizer::text_piece(TokenType, std::string_view text) const {
  if (text.substr(0, kWordStart.size()) == kWordStart) {
    return " " + std::string(text.substr(kWordStart.size()));
  }
  return std::string(text);
}

}  // namespace herd
