// One access-log line per answered request: time, request id, method, route, model,
// status, token counts, time to first token and duration. Never a body, a prompt, a
// query string or a header value other than the (validated) request id.
#pragma once

#include <string>
#include <string_view>

#include "http/server.h"

namespace herd::server {

// The label a request is counted and logged under: known routes by name, anything
// else as "other", so that scanning clients cannot grow metrics labels or logs.
std::string route_label(std::string_view path);

// "2026-12-07T14:07:30.123Z id=... POST /v1/completions model=m status=200
//  prompt_tokens=5 completion_tokens=16 ttft_ms=12.5 duration_ms=80.2"
std::string access_log_line(const http::AccessRecord& record);

}  // namespace herd::server
