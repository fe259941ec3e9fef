// The key that lets clients push to herd serve's registry. It is kept only as an
// HMAC-SHA256 under a random key made for this process, so the key itself is not in
// memory after start-up (nor in a core dump), and a presented key is compared in
// constant time.
#pragma once

#include <array>
#include <cstdint>
#include <optional>
#include <string_view>

#include "base/status.h"
#include "http/request.h"

namespace herd::server {

inline constexpr size_t kMinPushKeyLength = 16;

class PushKey {
 public:
  // kInvalidArgument for a key shorter than kMinPushKeyLength; kInternal when the
  // system has no randomness to give.
  static Result<PushKey> create(std::string_view key);

  bool matches(std::string_view presented) const;

 private:
  using Mac = std::array<uint8_t, 32>;
  Mac mac_of(std::string_view key) const;

  std::array<uint8_t, 32> hmac_key_{};
  Mac expected_{};
};

// The token of an "Authorization: Bearer <token>" header, or nullopt.
std::optional<std::string_view> bearer_token(const http::Request& request);

}  // namespace herd::server
