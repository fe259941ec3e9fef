#include "server/request_admission.h"

#include <algorithm>
#include <optional>

#include "http/request_id.h"
#include "server/auth.h"
#include "server/openai_errors.h"
#include "server/server_state.h"

namespace herd::server {
namespace {

const char* route_of(Endpoint endpoint) {
  return endpoint == Endpoint::kChatCompletions ? "/v1/chat/completions" : "/v1/completions";
}

}  // namespace

std::variant<gateway::Admission, http::Response> admit_request(gateway::Gateway& gateway,
                                                               const gateway::Caller& caller,
                                                               const http::Request& request, Endpoint endpoint,
                                                               const GenerationRequest& generation,
                                                               const std::string& model_id, int32_t n_ctx) {
  std::string idempotency_key;
  if (std::optional<std::string_view> key = request.header("idempotency-key")) {
    if (!http::is_visible_ascii_token(*key, kMaxIdempotencyKeyLength)) {
      ApiError e = api_error(invalid_argument("the Idempotency-Key header must be 1 to " +
                                              std::to_string(kMaxIdempotencyKeyLength) +
                                              " printable ASCII characters"));
      return error_response(e);
    }
    idempotency_key = std::string(*key);
  }
  gateway::Estimate estimate;
  estimate.model = model_id;
  estimate.prompt_tokens = static_cast<int64_t>(generation.prompt.size());
  // A choice with no cap may run to the end of the context.
  const int64_t room = std::max<int64_t>(int64_t{n_ctx} - estimate.prompt_tokens, 0);
  const int64_t per_choice = generation.max_tokens >= 0 ? std::min<int64_t>(generation.max_tokens, room) : room;
  estimate.max_completion_tokens = per_choice * std::max<int32_t>(generation.n, 1);
  std::variant<gateway::Admission, gateway::Refusal> admitted = gateway.admit(caller, estimate);
  if (auto* refused = std::get_if<gateway::Refusal>(&admitted)) return refusal_response(*refused);
  gateway::Admission admission = std::get<gateway::Admission>(std::move(admitted));
  gateway::LedgerRow& row = admission.row();
  row.request_id = request.id;
  row.route = route_of(endpoint);
  row.idempotency_key = std::move(idempotency_key);
  return admission;
}

}  // namespace herd::server
