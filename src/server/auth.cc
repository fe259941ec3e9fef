#include "server/auth.h"

#include <string>
#include <vector>

#include "server/push_key.h"

namespace herd::server {

std::optional<std::string_view> presented_key(const http::Request& request) {
  if (request.header("authorization")) {
    // A malformed Authorization header is a malformed key (not a missing one).
    std::optional<std::string_view> token = bearer_token(request);
    return token ? *token : std::string_view("-");
  }
  std::optional<std::string_view> key = request.header("x-api-key");
  if (!key) return std::nullopt;
  return *key;
}

ApiError refusal_error(const gateway::Refusal& refusal) {
  using Kind = gateway::Refusal::Kind;
  struct Shape {
    Kind kind;
    int status;
    const char* type;
    const char* code;
  };
  static constexpr Shape kShapes[] = {
      {Kind::kInvalidKey, 401, "invalid_request_error", "invalid_api_key"},
      {Kind::kModelNotAllowed, 403, "permission_error", "model_not_allowed"},
      {Kind::kNotAdmin, 403, "permission_error", "admin_required"},
      {Kind::kRateLimited, 429, "rate_limit_error", "rate_limit_exceeded"},
      {Kind::kInsufficientQuota, 429, "insufficient_quota", "insufficient_quota"},
      {Kind::kUnavailable, 503, "server_error", "unavailable"},
  };
  ApiError e;
  e.message = refusal.message;
  for (const Shape& s : kShapes) {
    if (s.kind != refusal.kind) continue;
    e.http_status = s.status;
    e.type = s.type;
    e.code = s.code;
  }
  if (refusal.kind == Kind::kModelNotAllowed) e.param = "model";
  e.retry_after_s = static_cast<int>(refusal.retry_after_s);
  return e;
}

http::Response refusal_response(const gateway::Refusal& refusal) {
  http::Response r;
  const ApiError e = refusal_error(refusal);
  r.status = e.http_status;
  if (e.retry_after_s > 0) r.set_header("Retry-After", std::to_string(e.retry_after_s));
  if (e.http_status == 401) r.set_header("WWW-Authenticate", "Bearer");
  for (const auto& [name, value] : refusal.headers) r.set_header(name, value);
  r.set_header("Content-Type", "application/json");
  r.body = error_body(e);
  return r;
}

bool may_use_model(gateway::Gateway* gateway, const gateway::Caller* caller, const ModelSpec& spec) {
  if (gateway == nullptr || caller == nullptr) return true;
  std::vector<std::string> names{spec.id};
  names.insert(names.end(), spec.names.begin(), spec.names.end());
  return gateway->may_use(*caller, names);
}

}  // namespace herd::server
