// HMAC-SHA256 of keys under a secret kept in an owner-only file.
#include "gateway/key_hasher.h"

#include <fcntl.h>
#include <openssl/crypto.h>
#include <openssl/evp.h>
#include <openssl/hmac.h>
#include <openssl/rand.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>

namespace herd::gateway {
namespace {

constexpr size_t kSecretBytes = 32;

Status errno_error(const std::string& what, int err) {
  return io_error(what + ": " + std::strerror(err));
}

std::string dir_of(const std::string& path) {
  const size_t slash = path.rfind('/');
  if (slash == std::string::npos) return ".";
  return slash == 0 ? "/" : path.substr(0, slash);
}

Status fsync_dir(const std::string& dir) {
  const int fd = ::open(dir.c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC);
  if (fd < 0) return errno_error("opening " + dir, errno);
  const int rc = ::fsync(fd);
  const int err = errno;
  ::close(fd);
  return rc == 0 ? Status() : errno_error("fsync " + dir, err);
}

Status write_all(int fd, const uint8_t* data, size_t n) {
  while (n > 0) {
    const ssize_t w = ::write(fd, data, n);
    if (w < 0 && errno == EINTR) continue;
    if (w <= 0) return errno_error("writing the gateway secret", errno);
    data += w;
    n -= static_cast<size_t>(w);
  }
  return Status();
}

// A new secret at `path`: written whole to a temporary file beside it, fsync'd, then
// linked into place. link() (unlike rename) fails when another process made the file
// first, so two processes starting at once agree on one secret; the caller reads it.
Status create_secret(const std::string& path) {
  std::array<uint8_t, kSecretBytes> secret{};
  if (RAND_bytes(secret.data(), static_cast<int>(secret.size())) != 1) {
    return internal_error("the system has no randomness for the gateway secret");
  }
  std::array<uint8_t, 8> tag{};
  if (RAND_bytes(tag.data(), static_cast<int>(tag.size())) != 1) return internal_error("no randomness");
  std::string tmp = path + ".tmp.";
  for (uint8_t b : tag) tmp += "0123456789abcdef"[b & 15];
  const int fd = ::open(tmp.c_str(), O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC | O_NOFOLLOW, 0600);
  if (fd < 0) return errno_error("creating " + tmp, errno);
  Status s = write_all(fd, secret.data(), secret.size());
  OPENSSL_cleanse(secret.data(), secret.size());
  if (s.ok() && ::fsync(fd) != 0) s = errno_error("fsync " + tmp, errno);
  ::close(fd);
  if (s.ok() && ::link(tmp.c_str(), path.c_str()) != 0 && errno != EEXIST) s = errno_error("creating " + path, errno);
  ::unlink(tmp.c_str());
  if (!s.ok()) return s;
  return fsync_dir(dir_of(path));
}

Result<std::array<uint8_t, kSecretBytes>> read_secret(int fd, const std::string& path) {
  struct stat st {};
  if (::fstat(fd, &st) != 0) return errno_error(path, errno);
  if (!S_ISREG(st.st_mode)) return invalid_argument(path + ": the gateway secret is not a regular file");
  if ((st.st_mode & (S_IRWXG | S_IRWXO)) != 0) {
    return invalid_argument(path + ": the gateway secret may be read by others; chmod 600 it");
  }
  if (st.st_size != static_cast<off_t>(kSecretBytes)) {
    return invalid_argument(path + ": the gateway secret must be " + std::to_string(kSecretBytes) + " bytes");
  }
  std::array<uint8_t, kSecretBytes> secret{};
  size_t got = 0;
  while (got < secret.size()) {
    const ssize_t r = ::read(fd, secret.data() + got, secret.size() - got);
    if (r < 0 && errno == EINTR) continue;
    if (r < 0) return errno_error("reading " + path, errno);
    if (r == 0) return invalid_argument(path + ": the gateway secret is shorter than it says");
    got += static_cast<size_t>(r);
  }
  return secret;
}

}  // namespace

Result<KeyHasher> KeyHasher::load_or_create(const std::string& path) {
  if (path.empty()) return invalid_argument("no path for the gateway secret");
  int fd = ::open(path.c_str(), O_RDONLY | O_CLOEXEC | O_NOFOLLOW);
  if (fd < 0 && errno == ENOENT) {
    HERD_RETURN_IF_ERROR(create_secret(path));
    fd = ::open(path.c_str(), O_RDONLY | O_CLOEXEC | O_NOFOLLOW);
  }
  if (fd < 0) return errno_error("opening the gateway secret " + path, errno);
  Result<std::array<uint8_t, kSecretBytes>> secret = read_secret(fd, path);
  ::close(fd);
  if (!secret.ok()) return secret.status();
  KeyHasher hasher = from_secret(*secret);
  OPENSSL_cleanse(secret->data(), secret->size());
  return hasher;
}

KeyHasher KeyHasher::from_secret(const std::array<uint8_t, 32>& secret) {
  KeyHasher h;
  h.secret_ = secret;
  return h;
}

std::string KeyHasher::hash(std::string_view key) const {
  unsigned char mac[EVP_MAX_MD_SIZE];
  unsigned int mac_len = 0;
  HMAC(EVP_sha256(), secret_.data(), static_cast<int>(secret_.size()),
       reinterpret_cast<const unsigned char*>(key.data()), key.size(), mac, &mac_len);
  std::string hex;
  hex.reserve(mac_len * 2);
  for (unsigned int i = 0; i < mac_len; ++i) {
    hex += "0123456789abcdef"[mac[i] >> 4];
    hex += "0123456789abcdef"[mac[i] & 15];
  }
  return hex;
}

std::string KeyHasher::check_value() const { return hash("herd gateway secret check"); }

bool same_hash(std::string_view a, std::string_view b) {
  if (a.size() != b.size()) return false;
  return CRYPTO_memcmp(a.data(), b.data(), a.size()) == 0;
}

}  // namespace herd::gateway
