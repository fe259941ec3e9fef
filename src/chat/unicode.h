// UTF-8 and the character classes Python's str methods need.
// Invalid bytes decode to U+DC80..U+DCFF (like Python's surrogateescape) and encode
// back to the same byte, so decoding and encoding never changes a string.
#pragma once

#include <string>
#include <string_view>

namespace herd::chat {

std::u32string utf8_decode(std::string_view s);
std::string utf8_encode(std::u32string_view s);
void utf8_append(std::string& out, char32_t cp);
// Number of code points (Python's len of a str).
size_t utf8_length(std::string_view s);

bool uni_is_space(char32_t c);      // str.isspace
bool uni_is_printable(char32_t c);  // str.isprintable (approximate outside the BMP)
bool uni_is_alpha(char32_t c);      // letters (approximate: cased letters plus CJK and others)
bool uni_is_digit(char32_t c);      // ASCII and fullwidth digits
bool uni_is_upper(char32_t c);
bool uni_is_lower(char32_t c);
bool uni_is_cased(char32_t c);
char32_t uni_to_upper(char32_t c);
char32_t uni_to_lower(char32_t c);

}  // namespace herd::chat
