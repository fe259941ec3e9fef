// Request ids: the client's x-request-id when it is safe to log and echo (1 to 128
// visible ASCII characters), else a fresh random one.
#pragma once

#include <optional>
#include <string>
#include <string_view>

namespace herd::http {

inline constexpr size_t kMaxRequestIdLength = 128;

// 1 to `max_length` visible ASCII characters (0x21-0x7e): a client's token that is safe to
// log and echo (request ids, idempotency keys).
bool is_visible_ascii_token(std::string_view text, size_t max_length);
bool valid_request_id(std::string_view id);
std::string new_request_id();  // 16 lowercase hex digits
std::string request_id_for(std::optional<std::string_view> from_client);

}  // namespace herd::http
