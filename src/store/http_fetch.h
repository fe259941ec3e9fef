// The store's one HTTP client (libcurl), for pulls and pushes: any method, a request body from
// memory or from a file, the response body streamed to the caller as it arrives. libcurl never
// follows a redirect itself: http_fetch does (at most kMaxRedirects, loops refused, the token
// dropped when the origin changes) or, for a push, hands the redirect back. A body longer than
// the caller allows is cut off and refused; a stall (no bytes either way for a while) aborts.
#pragma once

#include <atomic>
#include <cstdint>
#include <functional>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "base/status.h"

namespace herd::store {

inline constexpr int kMaxRedirects = 10;

struct HttpRequest {
  std::string method = "GET";
  std::string url;
  std::vector<std::pair<std::string, std::string>> headers;  // sent on every hop
  // Sent as "Authorization: Bearer ..." to the first URL's origin only; never logged.
  std::optional<std::string> bearer_token;
  // "Range: bytes=<first>-[<last>]" when set.
  std::optional<uint64_t> range_first;
  std::optional<uint64_t> range_last;
  // The body of a method other than GET/HEAD: `body`, or when body_fd >= 0, body_length bytes
  // of that file from body_offset (read as they are sent; the caller keeps the fd open).
  std::string_view body;
  int body_fd = -1;
  uint64_t body_offset = 0;
  uint64_t body_length = 0;
  // false: a 3xx is returned as the response (its Location is the caller's to judge).
  bool follow_redirects = true;
  // A 2xx body longer than this is cut off and the fetch fails (kCorruptFile).
  std::optional<uint64_t> max_body;
  int connect_timeout_s = 10;
  int stall_timeout_s = 30;  // no bytes sent or received for this long: the attempt fails (kUnavailable)
  // Checked while the body streams; set from another thread to abort (kUnavailable).
  const std::atomic<bool>* cancel = nullptr;
};

struct HttpResponse {
  int status = 0;
  std::string final_url;
  // Every hop's response headers (names lowercased), first hop first.
  std::vector<std::vector<std::pair<std::string, std::string>>> hops;
  uint64_t body_bytes = 0;  // of the final response
  std::string error_body;   // the first few KiB of a non-2xx final body

  // The final response's header, or "" (names are case-insensitive).
  std::string header(std::string_view name) const;
  // The header from the latest hop that has it (X-Linked-Etag comes on a redirect).
  std::string header_any_hop(std::string_view name) const;
};

// Receives the 2xx body as it arrives; `response` has the final status and headers. A non-ok
// Status aborts the transfer and becomes http_fetch's result.
using BodySink = std::function<Status(const HttpResponse& response, std::string_view bytes)>;

// curl_global_init, once per process (every libcurl user in the store calls this first).
void curl_init_once();

// Performs the request. Transport failures are kUnavailable (retryable), their message naming
// the method and URL, never a token; a non-2xx final status is returned as a response (the
// caller decides), with the body's start in error_body. A null sink drops a 2xx body.
Result<HttpResponse> http_fetch(const HttpRequest& request, const BodySink& sink = nullptr);

// A small GET body in memory (manifests, file lists): a non-2xx status becomes an error that names
// it; a body over max_bytes is refused.
Result<std::string> http_get_text(HttpRequest request, uint64_t max_bytes);

struct UrlParts {
  std::string scheme;  // lowercase
  std::string host;    // lowercase
  std::string port;    // the default one when the URL gives none
  bool explicit_port = false;
  std::string path;    // "/..." without the query
};
// An absolute http(s) URL's parts, or kInvalidArgument.
Result<UrlParts> parse_url(const std::string& url);

// "scheme://host:port" of an absolute URL (the default port made explicit), or an error.
Result<std::string> url_origin(const std::string& url);

// ASCII lowercase (header names, hosts, file extensions compare case-insensitively).
std::string ascii_lower(std::string_view s);

// An error for a final non-2xx status: 404 is kNotFound, 401/403 kInvalidArgument (no access),
// 5xx/408/429 kUnavailable (retry), others kInvalidArgument.
Status status_error(const std::string& what, const HttpResponse& response);

}  // namespace herd::store
