#include "http/request_id.h"

#include <cstdint>
#include <mutex>
#include <random>

namespace herd::http {

bool is_visible_ascii_token(std::string_view text, size_t max_length) {
  if (text.empty() || text.size() > max_length) return false;
  for (char c : text) {
    if (c < 0x21 || c > 0x7e) return false;
  }
  return true;
}

bool valid_request_id(std::string_view id) { return is_visible_ascii_token(id, kMaxRequestIdLength); }

std::string new_request_id() {
  static std::mutex mu;
  static std::mt19937_64 rng{std::random_device{}()};
  uint64_t v;
  {
    std::lock_guard<std::mutex> lock(mu);
    v = rng();
  }
  std::string out(16, '0');
  for (int i = 15; i >= 0; --i, v >>= 4) out[static_cast<size_t>(i)] = "0123456789abcdef"[v & 15];
  return out;
}

std::string request_id_for(std::optional<std::string_view> from_client) {
  if (from_client && valid_request_id(*from_client)) return std::string(*from_client);
  return new_request_id();
}

}  // namespace herd::http
