// UTF-8 scanning shared by the tokenizers (splitting text into characters) and the
// streaming decoder (never emitting half a character). Text from users and byte
// tokens from models can be any bytes, so every function here accepts invalid UTF-8.
#pragma once

#include <cstddef>
#include <string>
#include <string_view>

namespace herd {

struct Utf8Scan {
  enum Kind {
    kValid,       // `length` bytes form one well-formed character
    kIncomplete,  // all `length` bytes (the rest of the input) are a correct but unfinished start
    kInvalid,     // `length` bytes (at least 1) are a maximal ill-formed subpart: one U+FFFD
  };
  Kind kind = kInvalid;
  size_t length = 0;
};

// Classifies the character at the start of `s`, which must not be empty. Follows the
// Unicode well-formedness table (no overlongs, no surrogates, nothing past U+10FFFF)
// and its "maximal subpart" rule for how many bytes one replacement stands for.
Utf8Scan utf8_scan(std::string_view s);

// The bytes of `s` with each ill-formed subpart (including an unfinished sequence at
// the end) replaced by U+FFFD.
std::string utf8_sanitize(std::string_view s);

// Length of the longest prefix of `s` that does not end inside a character which more
// bytes could still complete; the rest (at most 3 bytes) is that unfinished start.
size_t utf8_complete_prefix(std::string_view s);

inline constexpr std::string_view kUtf8Replacement = "\xEF\xBF\xBD";  // U+FFFD

}  // namespace herd
