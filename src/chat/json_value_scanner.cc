#include "chat/json_value_scanner.h"

#include "chat/output_text_scan.h"

namespace herd::chat {

JsonValueScanner::Step JsonValueScanner::step(char c) {
  if (in_string_) {
    if (escape_)
      escape_ = false;
    else if (c == '\\')
      escape_ = true;
    else if (c == '"')
      in_string_ = false;
    return Step::kMore;
  }
  if (depth_ == 0 && c != '{' && c != '[') return Step::kError;
  switch (c) {
    case '"':
      in_string_ = true;
      return Step::kMore;
    case '{':
    case '[':
      return ++depth_ > kMaxToolJsonDepth ? Step::kError : Step::kMore;
    case '}':
    case ']':
      return --depth_ == 0 ? Step::kDone : Step::kMore;
    default:
      return Step::kMore;
  }
}

size_t json_value_end(std::string_view text, size_t from) {
  JsonValueScanner scanner;
  for (size_t i = from; i < text.size(); ++i) {
    const JsonValueScanner::Step step = scanner.step(text[i]);
    if (step == JsonValueScanner::Step::kError) return std::string_view::npos;
    if (step == JsonValueScanner::Step::kDone) return i + 1;
  }
  return std::string_view::npos;
}

bool json_depth_within(std::string_view text) {
  const size_t start = skip_json_space(text);
  if (start == text.size() || (text[start] != '{' && text[start] != '[')) return true;  // a scalar nests nothing
  // A container that never closes is refused too: it is not JSON either.
  return json_value_end(text, start) != std::string_view::npos;
}

}  // namespace herd::chat
