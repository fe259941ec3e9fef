#include "tokenizer/bpe_split_llama3.h"

#include <cstddef>
#include <cstdint>

#include "tokenizer/unicode_class.h"

namespace herd {
namespace {

struct Char {
  uint32_t cp;
  uint32_t len;  // bytes
  uint8_t cls;   // UnicodeClass bits
};

// The character at p[i]; the text is valid UTF-8, so no checks.
inline Char char_at(const uint8_t* p, size_t i) {
  const uint32_t b = p[i];
  if (b < 0x80) return {b, 1, unicode_class_detail::kAscii[b]};
  uint32_t cp;
  uint32_t len;
  if (b < 0xE0) {
    cp = (b & 0x1F) << 6 | (p[i + 1] & 0x3F);
    len = 2;
  } else if (b < 0xF0) {
    cp = (b & 0x0F) << 12 | (p[i + 1] & 0x3Fu) << 6 | (p[i + 2] & 0x3F);
    len = 3;
  } else {
    cp = (b & 0x07) << 18 | (p[i + 1] & 0x3Fu) << 12 | (p[i + 2] & 0x3Fu) << 6 | (p[i + 3] & 0x3F);
    len = 4;
  }
  return {cp, len, unicode_class(cp)};
}

// The end of the run of characters with any of `bits` that starts at i.
inline size_t skip_while(const uint8_t* p, size_t n, size_t i, uint8_t bits) {
  while (i < n) {
    // ASCII letters dominate English and code: test them without decoding.
    if (p[i] < 0x80) {
      if ((unicode_class_detail::kAscii[p[i]] & bits) == 0) break;
      ++i;
      continue;
    }
    const Char c = char_at(p, i);
    if ((c.cls & bits) == 0) break;
    i += c.len;
  }
  return i;
}

// "Other" in the regex's terms: [^\s\p{L}\p{N}].
inline bool is_other(uint8_t cls) {
  return (cls & (kClassLetter | kClassNumber | kClassSpace)) == 0;
}

inline bool is_ascii_caseless(uint8_t b, char lower) { return (b | 0x20) == lower; }

// The end of a contraction ('s 't 're 've 'm 'll 'd, any case) at the apostrophe at i,
// or 0. Under UCP caselessness 's' also matches U+017F LATIN SMALL LETTER LONG S, whose
// simple case folding is 's'; no other letter here has a non-ASCII case partner.
size_t contraction_end(const uint8_t* p, size_t n, size_t i) {
  if (i + 1 >= n) return 0;
  const uint8_t a = p[i + 1];
  if (is_ascii_caseless(a, 's') || is_ascii_caseless(a, 't') || is_ascii_caseless(a, 'm') ||
      is_ascii_caseless(a, 'd')) {
    return i + 2;
  }
  if (a == 0xC5 && i + 2 < n && p[i + 2] == 0xBF) return i + 3;  // U+017F
  if (i + 2 >= n) return 0;
  const uint8_t b = p[i + 2];
  if ((is_ascii_caseless(a, 'r') || is_ascii_caseless(a, 'v')) && is_ascii_caseless(b, 'e')) {
    return i + 3;
  }
  if (is_ascii_caseless(a, 'l') && is_ascii_caseless(b, 'l')) return i + 3;
  return 0;
}

// The whitespace alternatives, at a run of \s starting at i:
//   \s*[\r\n]+  backtracks from the run's end to its last CR/LF: the match ends just
//               after that CR/LF;
//   \s+(?!\S)   without one, the whole run if it ends the text, else the run less its
//               last character (which stays to lead the next word), if that leaves any;
//   \s+         else the run (a single character).
size_t whitespace_end(const uint8_t* p, size_t n, size_t i) {
  size_t after_crlf = 0;
  size_t last = i;  // start of the run's last character
  size_t count = 0;
  size_t j = i;
  while (j < n) {
    const Char c = char_at(p, j);
    if ((c.cls & kClassSpace) == 0) break;
    if (c.cls & kClassCrLf) after_crlf = j + c.len;
    last = j;
    j += c.len;
    ++count;
  }
  if (after_crlf != 0) return after_crlf;
  if (j == n || count == 1) return j;
  return last;
}

}  // namespace

void bpe_split_llama3(std::string_view text, int max_digits, void* ctx, BpeWordFn fn) {
  const auto* p = reinterpret_cast<const uint8_t*>(text.data());
  const size_t n = text.size();
  size_t i = 0;
  while (i < n) {
    const Char c = char_at(p, i);
    size_t end = 0;
    if (c.cp == '\'') end = contraction_end(p, n, i);
    if (end != 0) {
      // (?i:'s|'t|'re|'ve|'m|'ll|'d)
    } else if (c.cls & kClassLetter) {
      // [^\r\n\p{L}\p{N}]?\p{L}+ with the optional character absent.
      end = skip_while(p, n, i + c.len, kClassLetter);
    } else if ((c.cls & (kClassNumber | kClassCrLf)) == 0 && i + c.len < n &&
               (char_at(p, i + c.len).cls & kClassLetter)) {
      // The same with one leading character that is not CR, LF, a letter or a number:
      // a space, a tab or punctuation in front of a word.
      end = skip_while(p, n, i + c.len, kClassLetter);
    } else if (c.cls & kClassNumber) {
      // \p{N}{1,3} (Qwen2: \p{N})
      end = i + c.len;
      for (int k = 1; k < max_digits && end < n; ++k) {
        const Char d = char_at(p, end);
        if ((d.cls & kClassNumber) == 0) break;
        end += d.len;
      }
    } else if (is_other(c.cls) ||
               (c.cp == ' ' && i + 1 < n && is_other(char_at(p, i + 1).cls))) {
      // ` ?[^\s\p{L}\p{N}]+[\r\n]*`
      const size_t from = c.cp == ' ' ? i + 1 : i;
      end = i;
      for (size_t j = from; j < n;) {
        const Char d = char_at(p, j);
        if (!is_other(d.cls)) break;
        j += d.len;
        end = j;
      }
      while (end < n && (p[end] == '\r' || p[end] == '\n')) ++end;
    } else {
      end = whitespace_end(p, n, i);
    }
    fn(ctx, text.substr(i, end - i));
    i = end;
  }
}

}  // namespace herd
