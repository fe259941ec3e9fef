#include "server/push_key.h"

#include <openssl/crypto.h>
#include <openssl/evp.h>
#include <openssl/hmac.h>
#include <openssl/rand.h>

namespace herd::server {

Result<PushKey> PushKey::create(std::string_view key) {
  if (key.size() < kMinPushKeyLength) {
    return invalid_argument("a push key must be at least " + std::to_string(kMinPushKeyLength) + " characters");
  }
  PushKey out;
  if (RAND_bytes(out.hmac_key_.data(), static_cast<int>(out.hmac_key_.size())) != 1) {
    return internal_error("no random bytes for the push key's hash");
  }
  out.expected_ = out.mac_of(key);
  return out;
}

PushKey::Mac PushKey::mac_of(std::string_view key) const {
  Mac mac{};
  unsigned int n = 0;
  HMAC(EVP_sha256(), hmac_key_.data(), static_cast<int>(hmac_key_.size()),
       reinterpret_cast<const unsigned char*>(key.data()), key.size(), mac.data(), &n);
  return mac;
}

bool PushKey::matches(std::string_view presented) const {
  // Comparing MACs (not the keys) makes the time independent of where they differ
  // and of the presented key's length.
  const Mac got = mac_of(presented);
  return CRYPTO_memcmp(got.data(), expected_.data(), got.size()) == 0;
}

std::optional<std::string_view> bearer_token(const http::Request& request) {
  const std::optional<std::string_view> value = request.header("authorization");
  if (!value) return std::nullopt;
  constexpr std::string_view kScheme = "bearer ";
  if (value->size() <= kScheme.size() || !http::iequals(value->substr(0, kScheme.size()), kScheme)) {
    return std::nullopt;
  }
  std::string_view token = value->substr(kScheme.size());
  while (!token.empty() && token.front() == ' ') token.remove_prefix(1);
  while (!token.empty() && token.back() == ' ') token.remove_suffix(1);
  if (token.empty()) return std::nullopt;
  return token;
}

}  // namespace herd::server
