#include "tokenizer/spm_tokenizer.h"

#include <queue>
#include <utility>

#include "tokenizer/utf8.h"

namespace herd {
namespace {

constexpr std::string_view kSpaceMark = "\xE2\x96\x81";  // U+2581, SentencePiece's space

// A run of the normalized text: symbols start as characters and grow by merging.
struct Symbol {
  size_t start = 0;
  size_t length = 0;  // 0 once merged into its left neighbour
  int64_t prev = -1;
  int64_t next = -1;
};

// A candidate merge of symbols `left` and `right` (adjacent when queued).
struct Bigram {
  int64_t left = 0;
  int64_t right = 0;
  float score = 0.0f;
  size_t length = 0;  // left + right length when queued; a mismatch later means stale
};

// Top of the queue: highest score, then leftmost.
struct BigramOrder {
  bool operator()(const Bigram& a, const Bigram& b) const {
    if (a.score != b.score) return a.score < b.score;
    return a.left > b.left;
  }
};

}  // namespace

SpmTokenizer::SpmTokenizer(Vocab vocab) : Tokenizer(std::move(vocab)) {}

int32_t SpmTokenizer::piece_id(std::string_view text) const {
  const std::optional<int32_t> id = vocab_.find(text);
  if (!id) return -1;
  switch (vocab_.type(*id)) {
    case TokenType::kControl:
    case TokenType::kUnknown:
    case TokenType::kByte:
      return -1;
    default:
      return *id;
  }
}

void SpmTokenizer::encode_fragment(std::string_view raw, bool space_prefix,
                                   std::vector<int32_t>& out) const {
  std::string text;
  text.reserve(raw.size() + raw.size() / 2 + kSpaceMark.size());
  if (space_prefix) text += kSpaceMark;
  for (char c : raw) {
    if (c == ' ') {
      text += kSpaceMark;
    } else {
      text += c;
    }
  }
  if (text.empty()) return;

  std::vector<Symbol> symbols;
  symbols.reserve(text.size());
  for (size_t pos = 0; pos < text.size();) {
    const Utf8Scan scan = utf8_scan(std::string_view(text).substr(pos));
    const size_t len = scan.kind == Utf8Scan::kValid ? scan.length : 1;
    const auto index = static_cast<int64_t>(symbols.size());
    symbols.push_back({pos, len, index - 1, pos + len < text.size() ? index + 1 : -1});
    pos += len;
  }

  std::priority_queue<Bigram, std::vector<Bigram>, BigramOrder> queue;
  auto try_add = [&](int64_t left, int64_t right) {
    if (left < 0 || right < 0) return;
    const size_t len = symbols[left].length + symbols[right].length;
    const int32_t id = piece_id(std::string_view(text).substr(symbols[left].start, len));
    if (id < 0) return;
    queue.push({left, right, vocab_.score(id), len});
  };
  for (int64_t i = 1; i < static_cast<int64_t>(symbols.size()); ++i) try_add(i - 1, i);

  while (!queue.empty()) {
    const Bigram top = queue.top();
    queue.pop();
    Symbol& left = symbols[top.left];
    Symbol& right = symbols[top.right];
    // Stale when either side has merged with something else since it was queued.
    if (left.length == 0 || right.length == 0 || left.next != top.right ||
        left.length + right.length != top.length) {
      continue;
    }
    left.length += right.length;
    right.length = 0;
    left.next = right.next;
    if (right.next >= 0) symbols[right.next].prev = top.left;
    try_add(left.prev, top.left);
    try_add(top.left, left.next);
  }

  for (int64_t i = 0; i >= 0; i = symbols[i].next) {
    const std::string_view piece = std::string_view(text).substr(symbols[i].start, symbols[i].length);
    const int32_t id = piece_id(piece);
    if (id >= 0) {
      out.push_back(id);
      continue;
    }
    for (char c : piece) {
      const int32_t byte_id = vocab_.byte_token(static_cast<uint8_t>(c));
      if (byte_id >= 0) {
        out.push_back(byte_id);
      } else if (vocab_.unk_id() >= 0) {
        out.push_back(vocab_.unk_id());
      }
      // With neither, the byte cannot be represented and is dropped.
    }
  }
}

std::string SpmTokenizer::text_piece(TokenType type, std::string_view text) const {
  if (type == TokenType::kUserDefined || type == TokenType::kByte) return std::string(text);
  std::string piece;
  piece.reserve(text.size());
  for (size_t pos = 0; pos < text.size();) {
    if (text.substr(pos, kSpaceMark.size()) == kSpaceMark) {
      piece += ' ';
      pos += kSpaceMark.size();
    } else {
      piece += text[pos++];
    }
  }
  return piece;
}

}  // namespace herd
