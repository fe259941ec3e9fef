// API keys: "herd_" + 43 base62 characters (32 random bytes, 256 bits). A key is shown to
// its owner once, at creation; what is stored is its keyed hash (key_hasher.h) and a short
// display prefix ("herd_Ab3xQ9", 6 random characters: 36 bits, enough to tell keys apart,
// far too few to guess one).
#pragma once

#include <string>
#include <string_view>

#include "base/status.h"

namespace herd::gateway {

inline constexpr std::string_view kKeyPrefix = "herd_";
inline constexpr size_t kKeyRandomChars = 43;
inline constexpr size_t kKeyLength = kKeyPrefix.size() + kKeyRandomChars;
inline constexpr size_t kDisplayPrefixLength = kKeyPrefix.size() + 6;

// A fresh key from the OS's randomness; kInternal when it has none to give.
Result<std::string> new_api_key();
// True when `text` has a key's shape (prefix, length, alphabet); says nothing about
// whether such a key exists. Runs in time independent of where a bad character is.
bool looks_like_api_key(std::string_view text);
// "herd_Ab3xQ9" for a well-shaped key (looks_like_api_key).
std::string display_prefix(std::string_view key);

// `text` with every run that may be (part of) a key — "herd_" and 8 or more base62
// characters after it — replaced by "herd_[redacted]": what error messages echo of a
// client's input, so a key pasted into a model name or a path never comes back. (A key's
// tail without its prefix is just text: nothing can tell it from any other.)
std::string redact_api_keys(std::string_view text);

}  // namespace herd::gateway
