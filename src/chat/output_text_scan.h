// Byte-level helpers of the model output parser: finding markers in streamed text, and how
// much of a buffer's end must wait for a marker's first bytes (a UTF-8 character's first
// bytes wait by the tokenizer's utf8_complete_prefix).
#pragma once

#include <cstddef>
#include <string>
#include <string_view>
#include <vector>

namespace herd::chat {

inline bool is_json_space(char c) { return c == ' ' || c == '\t' || c == '\n' || c == '\r'; }

struct MarkerMatch {
  size_t pos = std::string_view::npos;  // npos: no marker occurs whole
  size_t index = 0;                     // which marker
};

// The earliest whole occurrence of any of `markers` in `text` (the longer one on a tie).
MarkerMatch find_first_marker(std::string_view text, const std::vector<std::string>& markers);

// The length of the longest end of `text` that is a proper beginning of one of `markers`:
// those bytes cannot be decided until more text comes.
size_t partial_marker_suffix(std::string_view text, const std::vector<std::string>& markers);

// Index of the first byte of `text` that is not JSON whitespace (text.size() when none).
size_t skip_json_space(std::string_view text, size_t from = 0);

}  // namespace herd::chat
