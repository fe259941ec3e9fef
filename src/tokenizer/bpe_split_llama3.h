// A hand-written stand-in for the Llama 3 pre-tokenizer regex (and Qwen2's, which differs
// only in taking digits one at a time rather than up to three):
//
//   (?i:'s|'t|'re|'ve|'m|'ll|'d)|[^\r\n\p{L}\p{N}]?\p{L}+|\p{N}{1,3}|
//   ?[^\s\p{L}\p{N}]+[\r\n]*|\s*[\r\n]+|\s+(?!\S)|\s+
//
// PCRE2 spent about half of Llama 3 encoding time in this regex; a direct scan over
// character classes (unicode_class.h) gives the same words several times faster. Every
// character starts a match of some alternative, so the words tile the text with no gaps,
// and each alternative's backtracking reduces to a rule stated where it is decided
// (bpe_split_llama3.cc). bpe_split_llama3_test.cc checks the words against PCRE2's.
#pragma once

#include <string_view>

namespace herd {

using BpeWordFn = void (*)(void* ctx, std::string_view word);

// Hands the words of `text` (valid UTF-8, the whole subject the regex would see) to
// `fn` in order. max_digits: 3 for Llama 3, 1 for Qwen2.
void bpe_split_llama3(std::string_view text, int max_digits, void* ctx, BpeWordFn fn);

}  // namespace herd
