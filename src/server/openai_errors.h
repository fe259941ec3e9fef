// Errors in OpenAI's shape: {"error": {"message", "type", "param", "code"}} with the HTTP
// status a client expects for each herd StatusCode.
#pragma once

#include <nlohmann/json.hpp>
#include <string>
#include <string_view>

#include "base/status.h"

namespace herd::server {

struct ApiError {
  int http_status = 500;
  std::string type;     // "invalid_request_error", "not_found_error", "server_error", ...
  std::string message;
  std::string param;    // the request field at fault; "" when none (JSON null)
  std::string code;     // a short machine word; "" when none (JSON null)
  int retry_after_s = 0;  // > 0: send a Retry-After header (429, 503)
};

// kInvalidArgument / kOutOfRange -> 400, kNotFound -> 404 (model_not_found),
// kResourceExhausted -> 429 and kUnavailable -> 503 (both with Retry-After), anything
// else -> 500: a bug of ours, never the client's fault.
ApiError api_error(const Status& status, std::string param = {}, int retry_after_s = 1);

// A few errors the HTTP layer makes itself.
ApiError payload_too_large_error(size_t max_bytes);
ApiError route_not_found_error(const std::string& method, const std::string& path);

// A client's value as it may appear in an error message: at most kMaxEcho bytes (cut
// on a UTF-8 boundary) and "..." after a cut, so an error never repeats a huge input;
// anything shaped like an API key is redacted (gateway/api_key.h).
inline constexpr size_t kMaxEcho = 64;
std::string echo(std::string_view value);

nlohmann::ordered_json error_json(const ApiError& error);
// error_json(...) as text, invalid UTF-8 replaced so it always serializes.
std::string error_body(const ApiError& error);

}  // namespace herd::server
