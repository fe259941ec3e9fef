// sha256 digests: the names of the store's blobs. A Digest exists only in its checked form,
// so nothing outside can turn an unchecked string into a path.
#pragma once

#include <array>
#include <cstddef>
#include <cstdint>
#include <memory>
#include <span>
#include <string>
#include <string_view>

#include "base/status.h"

namespace herd::store {

class Digest {
 public:
  // "sha256:" + exactly 64 lowercase hex digits; anything else is kInvalidArgument (the
  // message shows at most 80 characters of the input).
  static Result<Digest> parse(std::string_view text);
  // 64 hex digits (either case is refused unless lowercase), as in an HF X-Linked-Etag.
  static Result<Digest> from_hex(std::string_view hex);
  static Digest from_bytes(const std::array<uint8_t, 32>& bytes);

  std::string to_string() const;  // "sha256:<hex>"
  std::string hex() const;        // "<hex>"
  std::string file_name() const;  // "sha256-<hex>" (the blob's name in blobs/)
  const std::array<uint8_t, 32>& bytes() const { return bytes_; }

  bool operator==(const Digest&) const = default;
  auto operator<=>(const Digest&) const = default;

 private:
  std::array<uint8_t, 32> bytes_{};
};

// Streaming sha256 (OpenSSL).
class Sha256 {
 public:
  Sha256();
  ~Sha256();
  Sha256(Sha256&&) noexcept;
  Sha256& operator=(Sha256&&) noexcept;
  Sha256(const Sha256&) = delete;
  Sha256& operator=(const Sha256&) = delete;

  void update(std::span<const uint8_t> bytes);
  void update(std::string_view text);
  Digest finish();  // the object may be reused after finish()

 private:
  struct Impl;
  std::unique_ptr<Impl> impl_;
};

Digest sha256_of(std::string_view bytes);
// Reads the whole file; kIoError / kNotFound when it cannot.
Result<Digest> sha256_of_file(const std::string& path);

}  // namespace herd::store
