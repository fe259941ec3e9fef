#include "store/digest.h"

#include <fcntl.h>
#include <openssl/evp.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <vector>

#include "base/mapped_file.h"

namespace herd::store {
namespace {

constexpr std::string_view kPrefix = "sha256:";

int hex_value(char c) {
  if (c >= '0' && c <= '9') return c - '0';
  if (c >= 'a' && c <= 'f') return c - 'a' + 10;
  return -1;  // upper case is refused: one spelling per digest, one file name
}

std::string shown(std::string_view text) {
  std::string s(text.substr(0, 80));
  for (char& c : s) {
    if (static_cast<unsigned char>(c) < 0x20 || c == 0x7f) c = '?';
  }
  return text.size() > 80 ? s + "..." : s;
}

}  // namespace

Result<Digest> Digest::from_hex(std::string_view hex) {
  if (hex.size() != 64) return invalid_argument("digest \"" + shown(hex) + "\": want 64 lowercase hex digits");
  Digest d;
  for (size_t i = 0; i < 32; ++i) {
    const int hi = hex_value(hex[2 * i]), lo = hex_value(hex[2 * i + 1]);
    if (hi < 0 || lo < 0) return invalid_argument("digest \"" + shown(hex) + "\": want 64 lowercase hex digits");
    d.bytes_[i] = static_cast<uint8_t>(hi << 4 | lo);
  }
  return d;
}

Result<Digest> Digest::parse(std::string_view text) {
  if (text.substr(0, kPrefix.size()) != kPrefix) {
    return invalid_argument("digest \"" + shown(text) + "\": want sha256: and 64 lowercase hex digits");
  }
  Result<Digest> d = from_hex(text.substr(kPrefix.size()));
  if (!d.ok()) return invalid_argument("digest \"" + shown(text) + "\": want sha256: and 64 lowercase hex digits");
  return d;
}

Digest Digest::from_bytes(const std::array<uint8_t, 32>& bytes) {
  Digest d;
  d.bytes_ = bytes;
  return d;
}

std::string Digest::hex() const {
  static constexpr char kHex[] = "0123456789abcdef";
  std::string s(64, '0');
  for (size_t i = 0; i < 32; ++i) {
    s[2 * i] = kHex[bytes_[i] >> 4];
    s[2 * i + 1] = kHex[bytes_[i] & 15];
  }
  return s;
}

std::string Digest::to_string() const { return std::string(kPrefix) + hex(); }
std::string Digest::file_name() const { return "sha256-" + hex(); }

struct Sha256::Impl {
  EVP_MD_CTX* ctx = nullptr;
  Impl() : ctx(EVP_MD_CTX_new()) { EVP_DigestInit_ex(ctx, EVP_sha256(), nullptr); }
  ~Impl() { EVP_MD_CTX_free(ctx); }
};

Sha256::Sha256() : impl_(std::make_unique<Impl>()) {}
Sha256::~Sha256() = default;
Sha256::Sha256(Sha256&&) noexcept = default;
Sha256& Sha256::operator=(Sha256&&) noexcept = default;

void Sha256::update(std::span<const uint8_t> bytes) { EVP_DigestUpdate(impl_->ctx, bytes.data(), bytes.size()); }
void Sha256::update(std::string_view text) { EVP_DigestUpdate(impl_->ctx, text.data(), text.size()); }

Digest Sha256::finish() {
  std::array<uint8_t, 32> out{};
  unsigned int n = 0;
  EVP_DigestFinal_ex(impl_->ctx, out.data(), &n);
  EVP_DigestInit_ex(impl_->ctx, EVP_sha256(), nullptr);
  return Digest::from_bytes(out);
}

Digest sha256_of(std::string_view bytes) {
  Sha256 h;
  h.update(bytes);
  return h.finish();
}

Result<Digest> sha256_of_file(const std::string& path) {
  HERD_RETURN_IF_ERROR(check_regular_file(path));
  const int fd = ::open(path.c_str(), O_RDONLY | O_CLOEXEC | O_NONBLOCK);
  if (fd < 0) {
    const int e = errno;
    return Status(e == ENOENT ? StatusCode::kNotFound : StatusCode::kIoError, path + ": " + std::strerror(e));
  }
  Sha256 h;
  std::vector<uint8_t> buf(1 << 20);
  for (;;) {
    const ssize_t n = ::read(fd, buf.data(), buf.size());
    if (n < 0 && errno == EINTR) continue;
    if (n < 0) {
      const int e = errno;
      ::close(fd);
      return io_error(path + ": " + std::strerror(e));
    }
    if (n == 0) break;
    h.update(std::span<const uint8_t>(buf.data(), static_cast<size_t>(n)));
  }
  ::close(fd);
  return h.finish();
}

}  // namespace herd::store
