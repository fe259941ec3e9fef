// The gateway at the server's edge (herd serve --auth): the key a request presents, the
// refusals as OpenAI-shaped errors, and the model checks every model-using route makes.
#pragma once

#include <optional>
#include <string_view>

#include "gateway/gateway.h"
#include "http/request.h"
#include "http/response.h"
#include "runtime/model_spec.h"
#include "server/openai_errors.h"

namespace herd::server {

// "Authorization: Bearer KEY", else "x-api-key: KEY" (Anthropic's header); nullopt for
// neither. Never logged, never echoed.
std::optional<std::string_view> presented_key(const http::Request& request);

// 401 invalid_api_key (with WWW-Authenticate), 403 model_not_allowed / admin_required,
// 429 rate_limit_exceeded / insufficient_quota, 503 for an unreachable ledger.
ApiError refusal_error(const gateway::Refusal& refusal);
// refusal_error as a response, with the refusal's x-ratelimit-* headers.
http::Response refusal_response(const gateway::Refusal& refusal);

// Whether `caller` (nullptr: auth is off) may use the model `spec` describes.
bool may_use_model(gateway::Gateway* gateway, const gateway::Caller* caller, const ModelSpec& spec);

}  // namespace herd::server
