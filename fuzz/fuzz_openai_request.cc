// libFuzzer target for the OpenAI request parser (src/server/openai_request.h): the
// bodies of /v1/chat/completions and /v1/completions come straight from the network.
// Byte 0 picks the endpoint and how the rest is used: as the whole body, or spliced
// into a valid request as extra fields (so mutations reach the field checks without a
// JSON-aware corpus). Any crash, sanitizer report, leak or hang is a bug; beyond that it
// traps when an accepted request breaks a promised limit or an error is of a wrong kind.
#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "sampling/sampling_params.h"
#include "server/openai_request.h"

namespace {

void check(bool ok) {
  if (!ok) __builtin_trap();
}

void run(std::string_view body, herd::server::Endpoint endpoint) {
  herd::server::RequestLimits limits;
  limits.max_tokens = 4096;
  limits.max_n = 4;
  limits.max_top_logprobs = 5;
  limits.max_messages = 64;
  limits.max_prompt_tokens = 256;
  static const std::vector<std::string> names = {"m", "alias"};
  std::string param = "unset";
  herd::Result<herd::server::OpenAiRequest> r =
      herd::server::parse_openai_request(body, endpoint, limits, names, &param);
  if (!r.ok()) {
    const herd::StatusCode code = r.status().code();
    check(code == herd::StatusCode::kInvalidArgument || code == herd::StatusCode::kNotFound);
    check(!r.status().message().empty() && param != "unset");
    return;
  }
  const herd::server::OpenAiRequest& q = *r;
  check(param.empty());
  check(q.endpoint == endpoint);
  check(q.n >= 1 && q.n <= limits.max_n);
  check(q.max_tokens == -1 || (q.max_tokens >= 1 && q.max_tokens <= limits.max_tokens));
  check(q.top_logprobs >= -1 && q.top_logprobs <= limits.max_top_logprobs);
  check(q.stop.size() <= static_cast<size_t>(limits.max_stop));
  for (const std::string& s : q.stop) check(!s.empty());
  check(herd::validate(q.sampling).ok());
  check(q.model.empty() || q.model == "m" || q.model == "alias");
  check(!q.include_usage || q.stream);
  if (endpoint == herd::server::Endpoint::kChatCompletions) {
    check(!q.messages.empty() && q.messages.size() <= static_cast<size_t>(limits.max_messages));
    for (const auto& m : q.messages) check(m.role == "system" || m.role == "user" || m.role == "assistant");
  } else {
    check(q.messages.empty());
    check(!q.prompt_is_tokens || (!q.prompt_tokens.empty() && q.prompt_tokens.size() <= limits.max_prompt_tokens));
    for (int32_t id : q.prompt_tokens) check(id >= 0);
  }
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  if (size < 1 || size > 64 * 1024) return 0;
  const uint8_t mode = data[0];
  const std::string rest(reinterpret_cast<const char*>(data) + 1, size - 1);
  const auto endpoint =
      (mode & 1) ? herd::server::Endpoint::kCompletions : herd::server::Endpoint::kChatCompletions;
  if ((mode & 2) == 0) {
    run(rest, endpoint);
    return 0;
  }
  const std::string head = endpoint == herd::server::Endpoint::kChatCompletions
                               ? R"({"model": "m", "messages": [{"role": "user", "content": "hi"}], )"
                               : R"({"model": "m", "prompt": "hi", )";
  run(head + rest + "}", endpoint);
  return 0;
}
