// API keys from the OS's randomness, in base62 with every character uniform.
#include "gateway/api_key.h"

#include <openssl/rand.h>

#include <array>

namespace herd::gateway {
namespace {

constexpr std::string_view kAlphabet = "0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz";
static_assert(kAlphabet.size() == 62);

// 0 for a base62 character, 1 otherwise, with no branch on the character's value.
unsigned not_base62(unsigned char c) {
  // Each range test is arithmetic: (c - lo) <= (hi - lo) as unsigned, turned into 0/1.
  auto in = [c](unsigned lo, unsigned hi) { return static_cast<unsigned>((c - lo) <= (hi - lo)); };
  return 1u ^ (in('0', '9') | in('A', 'Z') | in('a', 'z'));
}

}  // namespace

Result<std::string> new_api_key() {
  std::string key(kKeyPrefix);
  key.reserve(kKeyLength);
  std::array<unsigned char, 64> pool{};
  size_t used = pool.size();
  // Rejection sampling: six random bits are 0..63; 62 and 63 are thrown away, so each of
  // the 62 characters is exactly equally likely (a byte % 62 would favour the first ones).
  while (key.size() < kKeyLength) {
    if (used == pool.size()) {
      if (RAND_bytes(pool.data(), static_cast<int>(pool.size())) != 1) {
        return internal_error("the system has no randomness to make a key");
      }
      used = 0;
    }
    const unsigned v = pool[used++] & 63u;
    if (v < kAlphabet.size()) key.push_back(kAlphabet[v]);
  }
  pool.fill(0);
  return key;
}

bool looks_like_api_key(std::string_view text) {
  if (text.size() != kKeyLength) return false;
  unsigned bad = 0;
  for (size_t i = 0; i < kKeyPrefix.size(); ++i) bad |= static_cast<unsigned char>(text[i] ^ kKeyPrefix[i]);
  for (size_t i = kKeyPrefix.size(); i < text.size(); ++i) bad |= not_base62(static_cast<unsigned char>(text[i]));
  return bad == 0;
}

std::string display_prefix(std::string_view key) { return std::string(key.substr(0, kDisplayPrefixLength)); }

std::string redact_api_keys(std::string_view text) {
  constexpr size_t kMinRun = 8;  // base62 characters after "herd_": fewer cannot identify a key
  std::string out;
  out.reserve(text.size());
  size_t from = 0;
  size_t at = text.find(kKeyPrefix);
  while (at != std::string_view::npos) {
    size_t end = at + kKeyPrefix.size();
    while (end < text.size() && not_base62(static_cast<unsigned char>(text[end])) == 0) ++end;
    // Two keys glued together: the first run ends where the second's prefix begins.
    const size_t next = text.find(kKeyPrefix, at + kKeyPrefix.size());
    if (next != std::string_view::npos && next < end) end = next;
    if (end - at - kKeyPrefix.size() >= kMinRun) {
      out.append(text.substr(from, at - from));
      out += "herd_[redacted]";
      from = end;
    }
    at = next;
  }
  out.append(text.substr(from));
  return out;
}

}  // namespace herd::gateway
