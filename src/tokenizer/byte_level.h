// GPT-2's byte-level alphabet: byte-level BPE vocabs spell every byte as one visible
// Unicode character, so that token texts never hold spaces or control bytes. Printable
// Latin-1 bytes ('!'..'~', U+00A1..U+00AC, U+00AE..U+00FF) stand for themselves; the
// other 68 bytes, in increasing order, take U+0100, U+0101, ... (a space is U+0120 "Ġ",
// a newline U+010A "Ċ").
#pragma once

#include <cstdint>
#include <string>
#include <string_view>

namespace herd {

// The code point that stands for `byte`.
uint32_t byte_to_codepoint(uint8_t byte);
// The byte a code point stands for, or -1 when it is not in the alphabet.
int byte_from_codepoint(uint32_t cp);

// Appends the UTF-8 spelling of every byte of `bytes`.
void byte_level_encode(std::string_view bytes, std::string& out);
// Appends the bytes that a byte-level spelling stands for. Characters outside the
// alphabet (and ill-formed UTF-8) are copied through unchanged.
void byte_level_decode(std::string_view text, std::string& out);

// The UTF-8 encoding of a code point (U+0000..U+10FFFF) appended to `out`.
void append_utf8(uint32_t cp, std::string& out);

}  // namespace herd
