#include "server/browser_policy.h"

#include <cctype>

namespace herd::server {
namespace {

std::string lower(std::string_view s) {
  std::string out(s);
  for (char& c : out) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  return out;
}

// "host:port" or "[v6]:port" without the port.
std::string_view strip_port(std::string_view authority) {
  if (!authority.empty() && authority.front() == '[') {
    const size_t close = authority.find(']');
    return close == std::string_view::npos ? authority : authority.substr(0, close + 1);
  }
  const size_t colon = authority.rfind(':');
  return colon == std::string_view::npos ? authority : authority.substr(0, colon);
}

bool is_loopback_name(std::string_view host) {
  const std::string h = lower(host);
  if (h == "localhost" || h == "[::1]" || h == "::1") return true;
  if (h.rfind("127.", 0) != 0) return false;
  for (char c : h) {
    if (!std::isdigit(static_cast<unsigned char>(c)) && c != '.') return false;
  }
  return true;
}

ApiError refusal(int status, std::string message, std::string code) {
  ApiError e;
  e.http_status = status;
  e.type = "invalid_request_error";
  e.message = std::move(message);
  e.code = std::move(code);
  return e;
}

}  // namespace

bool is_loopback_bind(std::string_view host) { return is_loopback_name(host); }

bool is_allowed_origin(std::string_view origin, const BrowserPolicy& policy) {
  return !policy.cors_origin.empty() && (policy.cors_origin == "*" || policy.cors_origin == origin);
}

std::optional<ApiError> check_browser_policy(const http::Request& request, const BrowserPolicy& policy,
                                             bool json_body) {
  const std::optional<std::string_view> host = request.header("host");
  if (policy.check_host && host && !is_loopback_name(strip_port(*host))) {
    return refusal(421, "the Host header must name this loopback server (localhost or 127.0.0.1)", "bad_host");
  }
  if (const std::optional<std::string_view> origin = request.header("origin")) {
    // Same origin (a page served from this very host:port) or an origin the operator allowed.
    const std::string_view scheme_less = origin->substr(origin->find("://") == std::string_view::npos
                                                            ? 0
                                                            : origin->find("://") + 3);
    const bool same = host && lower(scheme_less) == lower(*host);
    if (!same && !is_allowed_origin(*origin, policy)) {
      return refusal(403, "cross-origin requests are not allowed (start the server with --cors-origin)",
                     "cross_origin");
    }
  }
  if (json_body && request.method == "POST") {
    if (const std::optional<std::string_view> type = request.header("content-type")) {
      std::string media = lower(type->substr(0, type->find(';')));
      while (!media.empty() && (media.back() == ' ' || media.back() == '\t')) media.pop_back();
      if (media != "application/json") {
        return refusal(415, "the request body must be JSON (Content-Type: application/json)",
                       "unsupported_media_type");
      }
    }
  }
  return std::nullopt;
}

http::Headers cors_headers(const http::Request& request, const BrowserPolicy& policy) {
  http::Headers out;
  const std::optional<std::string_view> origin = request.header("origin");
  if (!origin || !is_allowed_origin(*origin, policy)) return out;
  out.emplace_back("Access-Control-Allow-Origin", policy.cors_origin == "*" ? "*" : std::string(*origin));
  out.emplace_back("Vary", "Origin");
  out.emplace_back("Access-Control-Expose-Headers", "x-request-id, Retry-After");
  return out;
}

}  // namespace herd::server
