#include "server/openai_errors.h"

#include <utility>

#include "gateway/api_key.h"

namespace herd::server {

ApiError api_error(const Status& status, std::string param, int retry_after_s) {
  ApiError e;
  e.message = status.message().empty() ? std::string(status_code_name(status.code())) : status.message();
  e.param = std::move(param);
  switch (status.code()) {
    case StatusCode::kInvalidArgument:
    case StatusCode::kOutOfRange:
    case StatusCode::kUnsupported:
      e.http_status = 400;
      e.type = "invalid_request_error";
      break;
    case StatusCode::kNotFound:
      e.http_status = 404;
      e.type = "invalid_request_error";
      e.code = "model_not_found";
      break;
    case StatusCode::kResourceExhausted:
      e.http_status = 429;
      e.type = "rate_limit_error";
      e.code = "queue_full";
      e.retry_after_s = retry_after_s;
      break;
    case StatusCode::kUnavailable:
      e.http_status = 503;
      e.type = "server_error";
      e.code = "unavailable";
      e.retry_after_s = retry_after_s;
      break;
    default:
      e.http_status = 500;
      e.type = "server_error";
      e.code = "internal_error";
      break;
  }
  return e;
}

ApiError payload_too_large_error(size_t max_bytes) {
  ApiError e;
  e.http_status = 413;
  e.type = "invalid_request_error";
  e.code = "request_too_large";
  e.message = "the request body is larger than the server's limit of " + std::to_string(max_bytes) + " bytes";
  return e;
}

ApiError route_not_found_error(const std::string& method, const std::string& path) {
  ApiError e;
  e.http_status = 404;
  e.type = "invalid_request_error";
  e.code = "unknown_url";
  e.message = "unknown request URL: " + echo(method) + " " + echo(path);
  return e;
}

std::string echo(std::string_view raw) {
  // Redacted before the cut, so that no piece of a key survives either.
  const std::string redacted = gateway::redact_api_keys(raw);
  const std::string_view value = redacted;
  if (value.size() <= kMaxEcho) return std::string(value);
  size_t cut = kMaxEcho;
  while (cut > 0 && (static_cast<unsigned char>(value[cut]) & 0xC0) == 0x80) --cut;  // not inside a character
  return std::string(value.substr(0, cut)) + "...";
}

nlohmann::ordered_json error_json(const ApiError& error) {
  auto or_null = [](const std::string& s) { return s.empty() ? nlohmann::ordered_json(nullptr) : nlohmann::ordered_json(s); };
  return {{"error",
           {{"message", error.message}, {"type", error.type}, {"param", or_null(error.param)}, {"code", or_null(error.code)}}}};
}

std::string error_body(const ApiError& error) {
  return error_json(error).dump(-1, ' ', false, nlohmann::ordered_json::error_handler_t::replace);
}

}  // namespace herd::server
