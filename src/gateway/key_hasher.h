// Keys are stored as HMAC-SHA256(secret, key), hex. The secret is 32 random bytes in a
// file only its owner can read ($HERD_HOME/gateway.secret by default, made on first use
// with mode 0600); replicas that share a PostgreSQL ledger must share the file too. The
// database keeps a check value (the MAC of a fixed text) so a replica with another secret
// is refused at start instead of rejecting every key.
#pragma once

#include <array>
#include <cstdint>
#include <string>
#include <string_view>

#include "base/status.h"

namespace herd::gateway {

class KeyHasher {
 public:
  // Reads the secret at `path`, creating it (0600, crash-safe: temp file + rename) when
  // missing. kInvalidArgument when the file is not 32 bytes or others may read it.
  static Result<KeyHasher> load_or_create(const std::string& path);
  static KeyHasher from_secret(const std::array<uint8_t, 32>& secret);  // tests

  // 64 lowercase hex digits.
  std::string hash(std::string_view key) const;
  // hash("herd gateway secret check"): what the database remembers of the secret.
  std::string check_value() const;

 private:
  std::array<uint8_t, 32> secret_{};
};

// Constant-time equality of two hashes (false for different lengths).
bool same_hash(std::string_view a, std::string_view b);

}  // namespace herd::gateway
