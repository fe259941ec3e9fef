// A completion request before the gateway (herd serve --auth): its worst case (prompt and
// every choice's token cap), its Idempotency-Key, and its ledger row's first fields.
#pragma once

#include <string>
#include <variant>

#include "gateway/gateway.h"
#include "http/request.h"
#include "http/response.h"
#include "runtime/request.h"
#include "server/openai_request.h"

namespace herd::server {

// The longest Idempotency-Key accepted (printable ASCII, 1 to this many bytes).
inline constexpr size_t kMaxIdempotencyKeyLength = 255;

// Admitted (the Admission holds the reservation and the started ledger row), or the
// response that refuses it (429, 400 for a malformed Idempotency-Key, 503).
std::variant<gateway::Admission, http::Response> admit_request(gateway::Gateway& gateway,
                                                               const gateway::Caller& caller,
                                                               const http::Request& request, Endpoint endpoint,
                                                               const GenerationRequest& generation,
                                                               const std::string& model_id, int32_t n_ctx);

}  // namespace herd::server
