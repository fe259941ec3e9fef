// Finds where a JSON object or array ends as its bytes stream in, without parsing it:
// brackets are counted outside strings, and escapes inside strings are skipped, so braces
// and quotes inside string values do not confuse it. Whether the value is valid JSON is
// decided afterwards by a real parser; this only says where it ends.
#pragma once

#include <cstddef>
#include <string_view>

namespace herd::chat {

// Nesting deeper than this is refused: it bounds the parser's and serializer's recursion.
inline constexpr int kMaxToolJsonDepth = 64;

class JsonValueScanner {
 public:
  enum class Step { kMore, kDone, kError };

  // The first byte must be '{' or '['; kDone on the byte that closes it.
  Step step(char c);

 private:
  int depth_ = 0;
  bool in_string_ = false;
  bool escape_ = false;
};

// One past the bracket that closes the object or array opening at text[from]; npos when it
// does not close within `text`, nests deeper than kMaxToolJsonDepth, or is no container.
size_t json_value_end(std::string_view text, size_t from);

// Whether the JSON text `text` nests no deeper than kMaxToolJsonDepth (checked before parsing).
bool json_depth_within(std::string_view text);

}  // namespace herd::chat
