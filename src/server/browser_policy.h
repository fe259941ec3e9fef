// What keeps web pages a local user visits from driving the server: on a loopback
// bind the Host header must name the loopback (so DNS rebinding cannot reach it), a
// request carrying a foreign Origin is refused unless --cors-origin allows it, and JSON
// routes refuse bodies declared as anything but JSON (a form or text/plain post needs
// no CORS preflight). CORS headers are sent only for a configured origin.
#pragma once

#include <optional>
#include <string>
#include <string_view>

#include "http/request.h"
#include "server/openai_errors.h"

namespace herd::server {

struct BrowserPolicy {
  bool check_host = true;   // the server listens on a loopback address
  std::string cors_origin;  // "" none, "*" any, else one exact origin
};

// Whether `host` (the --host value) is a loopback address.
bool is_loopback_bind(std::string_view host);

// The refusal for a request the policy forbids (403, 421 or 415), or nullopt.
// `json_body`: the route reads a JSON body.
std::optional<ApiError> check_browser_policy(const http::Request& request, const BrowserPolicy& policy,
                                             bool json_body);

// CORS response headers for this request (none unless its Origin is allowed).
http::Headers cors_headers(const http::Request& request, const BrowserPolicy& policy);
// Whether --cors-origin allows this Origin.
bool is_allowed_origin(std::string_view origin, const BrowserPolicy& policy);

}  // namespace herd::server
