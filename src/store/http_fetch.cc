#include "store/http_fetch.h"

#include <curl/curl.h>
#include <unistd.h>

#include <algorithm>
#include <cctype>
#include <cerrno>
#include <chrono>
#include <cstring>
#include <memory>
#include <mutex>
#include <optional>
#include <set>

namespace herd::store {
namespace {

constexpr size_t kErrorBodyBytes = 4096;

std::string trim(std::string_view s) {
  while (!s.empty() && std::isspace(static_cast<unsigned char>(s.front()))) s.remove_prefix(1);
  while (!s.empty() && std::isspace(static_cast<unsigned char>(s.back()))) s.remove_suffix(1);
  return std::string(s);
}

const std::string* find_header(const std::vector<std::pair<std::string, std::string>>& hop, std::string_view name) {
  const std::string key = ascii_lower(name);
  for (const auto& [k, v] : hop) {
    if (k == key) return &v;
  }
  return nullptr;
}

// State shared with libcurl's callbacks for one hop.
struct Transfer {
  CURL* curl = nullptr;
  HttpResponse* response = nullptr;
  const HttpRequest* request = nullptr;
  const BodySink* sink = nullptr;
  Status sink_status;
  bool status_known = false;
  uint64_t body_sent = 0;  // of the request body
  // The stall timer: reset by every header line and body chunk.
  std::chrono::steady_clock::time_point last_bytes = std::chrono::steady_clock::now();
  bool stalled = false;
};

size_t on_header(char* data, size_t size, size_t n, void* user) {
  auto* t = static_cast<Transfer*>(user);
  t->last_bytes = std::chrono::steady_clock::now();
  const std::string_view line(data, size * n);
  auto& hop = t->response->hops.back();
  if (line.rfind("HTTP/", 0) == 0) {
    hop.clear();  // a new status line (after a 100 Continue): its headers start afresh
    return size * n;
  }
  const size_t colon = line.find(':');
  if (colon != std::string_view::npos)
    hop.emplace_back(ascii_lower(trim(line.substr(0, colon))), trim(line.substr(colon + 1)));
  return size * n;
}

size_t on_body(char* data, size_t size, size_t n, void* user) {
  auto* t = static_cast<Transfer*>(user);
  t->last_bytes = std::chrono::steady_clock::now();
  const size_t bytes = size * n;
  if (!t->status_known) {
    long code = 0;
    curl_easy_getinfo(t->curl, CURLINFO_RESPONSE_CODE, &code);
    t->response->status = static_cast<int>(code);
    t->status_known = true;
  }
  const int status = t->response->status;
  if (status >= 300 && status < 400) return bytes;  // a redirect's body is never used
  if (status < 200 || status >= 300) {
    auto& e = t->response->error_body;
    e.append(data, std::min(bytes, kErrorBodyBytes - std::min(kErrorBodyBytes, e.size())));
    return bytes;
  }
  const uint64_t max = t->request->max_body.value_or(UINT64_MAX);
  if (t->response->body_bytes + bytes > max) {
    t->sink_status = corrupt_file("the server sent more than the expected " + std::to_string(max) + " bytes");
    return 0;  // aborts the transfer
  }
  t->response->body_bytes += bytes;
  if (!*t->sink) return bytes;
  Status s = (*t->sink)(*t->response, std::string_view(data, bytes));
  if (!s.ok()) {
    t->sink_status = std::move(s);
    return 0;
  }
  return bytes;
}

// Hands libcurl the next piece of the request body, from memory or from the file.
size_t on_upload(char* buffer, size_t size, size_t n, void* user) {
  auto* t = static_cast<Transfer*>(user);
  t->last_bytes = std::chrono::steady_clock::now();
  const HttpRequest& r = *t->request;
  const uint64_t total = r.body_fd >= 0 ? r.body_length : r.body.size();
  const size_t want = static_cast<size_t>(std::min<uint64_t>(size * n, total - t->body_sent));
  if (want == 0) return 0;
  if (r.body_fd < 0) {
    std::memcpy(buffer, r.body.data() + t->body_sent, want);
    t->body_sent += want;
    return want;
  }
  ssize_t got = -1;
  do {
    got = ::pread(r.body_fd, buffer, want, static_cast<off_t>(r.body_offset + t->body_sent));
  } while (got < 0 && errno == EINTR);
  if (got <= 0) {
    t->sink_status = io_error(std::string("reading the body to send: ") + (got == 0 ? "the file ended early" : std::strerror(errno)));
    return CURL_READFUNC_ABORT;
  }
  t->body_sent += static_cast<uint64_t>(got);
  return static_cast<size_t>(got);
}

// libcurl calls this at least once a second, also while no byte moves.
int on_progress(void* user, curl_off_t, curl_off_t, curl_off_t, curl_off_t) {
  auto* t = static_cast<Transfer*>(user);
  if (t->request->cancel != nullptr && t->request->cancel->load()) return 1;
  if (std::chrono::steady_clock::now() - t->last_bytes > std::chrono::seconds(t->request->stall_timeout_s)) {
    t->stalled = true;
    return 1;
  }
  return 0;
}

struct CurlDeleter {
  void operator()(CURL* c) const { curl_easy_cleanup(c); }
};
struct SlistDeleter {
  void operator()(curl_slist* l) const { curl_slist_free_all(l); }
};
struct UrlDeleter {
  void operator()(CURLU* u) const { curl_url_cleanup(u); }
};

// Resolves `location` (absolute or relative) against `base`; only http(s) results.
Result<std::string> resolve_location(const std::string& base, const std::string& location) {
  std::unique_ptr<CURLU, UrlDeleter> u(curl_url());
  if (curl_url_set(u.get(), CURLUPART_URL, base.c_str(), 0) != CURLUE_OK ||
      curl_url_set(u.get(), CURLUPART_URL, location.c_str(), 0) != CURLUE_OK) {
    return invalid_argument("a redirect to a malformed location");
  }
  char* out = nullptr;
  if (curl_url_get(u.get(), CURLUPART_URL, &out, 0) != CURLUE_OK) return invalid_argument("a malformed redirect");
  std::string url(out);
  curl_free(out);
  if (url.rfind("http://", 0) != 0 && url.rfind("https://", 0) != 0) {
    return invalid_argument("a redirect to a scheme other than http(s)");
  }
  return url;
}

// One request to one URL, no redirects followed.
Status perform_hop(const HttpRequest& request, const std::string& url, bool send_token, const BodySink& sink,
                   HttpResponse* response) {
  std::unique_ptr<CURL, CurlDeleter> curl(curl_easy_init());
  if (!curl) return internal_error("curl_easy_init failed");
  CURL* c = curl.get();
  curl_slist* raw = nullptr;
  for (const auto& [k, v] : request.headers) raw = curl_slist_append(raw, (k + ": " + v).c_str());
  if (send_token && request.bearer_token) {
    raw = curl_slist_append(raw, ("Authorization: Bearer " + *request.bearer_token).c_str());
  }
  const bool has_body = request.method != "GET" && request.method != "HEAD";
  if (has_body) raw = curl_slist_append(raw, "Expect:");  // no 100-continue round trip per request
  std::unique_ptr<curl_slist, SlistDeleter> headers(raw);
  std::string range;
  if (request.range_first) {
    range = std::to_string(*request.range_first) + "-";
    if (request.range_last) range += std::to_string(*request.range_last);
  }
  Transfer t{c, response, &request, &sink, Status(), false, 0};
  response->hops.emplace_back();
  char error[CURL_ERROR_SIZE] = {0};
  curl_easy_setopt(c, CURLOPT_URL, url.c_str());
  curl_easy_setopt(c, CURLOPT_PROTOCOLS_STR, "http,https");
  curl_easy_setopt(c, CURLOPT_FOLLOWLOCATION, 0L);
  curl_easy_setopt(c, CURLOPT_NOSIGNAL, 1L);
  curl_easy_setopt(c, CURLOPT_USERAGENT, "herd");
  curl_easy_setopt(c, CURLOPT_HTTPHEADER, headers.get());
  curl_easy_setopt(c, CURLOPT_CONNECTTIMEOUT, static_cast<long>(request.connect_timeout_s));
  if (!range.empty()) curl_easy_setopt(c, CURLOPT_RANGE, range.c_str());
  curl_easy_setopt(c, CURLOPT_HEADERFUNCTION, on_header);
  curl_easy_setopt(c, CURLOPT_HEADERDATA, &t);
  curl_easy_setopt(c, CURLOPT_WRITEFUNCTION, on_body);
  curl_easy_setopt(c, CURLOPT_WRITEDATA, &t);
  curl_easy_setopt(c, CURLOPT_NOPROGRESS, 0L);
  curl_easy_setopt(c, CURLOPT_XFERINFOFUNCTION, on_progress);
  curl_easy_setopt(c, CURLOPT_XFERINFODATA, &t);
  curl_easy_setopt(c, CURLOPT_ERRORBUFFER, error);
  if (request.method == "HEAD") curl_easy_setopt(c, CURLOPT_NOBODY, 1L);
  if (has_body) {
    curl_easy_setopt(c, CURLOPT_POST, 1L);
    const uint64_t length = request.body_fd >= 0 ? request.body_length : request.body.size();
    curl_easy_setopt(c, CURLOPT_POSTFIELDSIZE_LARGE, static_cast<curl_off_t>(length));
    curl_easy_setopt(c, CURLOPT_READFUNCTION, on_upload);
    curl_easy_setopt(c, CURLOPT_READDATA, &t);
  }
  if (request.method != "GET" && request.method != "HEAD" && request.method != "POST") {
    curl_easy_setopt(c, CURLOPT_CUSTOMREQUEST, request.method.c_str());
  }
  const CURLcode rc = curl_easy_perform(c);
  long code = 0;
  curl_easy_getinfo(c, CURLINFO_RESPONSE_CODE, &code);
  response->status = static_cast<int>(code);
  if (!t.sink_status.ok()) return t.sink_status;
  if (rc == CURLE_OK) return Status();
  if (rc == CURLE_ABORTED_BY_CALLBACK && t.stalled) {
    return unavailable("no bytes from " + url + " for " + std::to_string(request.stall_timeout_s) + " s (stalled)");
  }
  if (rc == CURLE_ABORTED_BY_CALLBACK) return unavailable("download cancelled");
  return unavailable(request.method + " " + url + ": " + (error[0] ? std::string(error) : curl_easy_strerror(rc)));
}

}  // namespace

void curl_init_once() {
  static std::once_flag once;
  std::call_once(once, [] { curl_global_init(CURL_GLOBAL_DEFAULT); });
}

std::string HttpResponse::header(std::string_view name) const {
  if (hops.empty()) return "";
  const std::string* v = find_header(hops.back(), name);
  return v ? *v : "";
}

std::string HttpResponse::header_any_hop(std::string_view name) const {
  for (auto it = hops.rbegin(); it != hops.rend(); ++it) {
    if (const std::string* v = find_header(*it, name)) return *v;
  }
  return "";
}

Result<UrlParts> parse_url(const std::string& url) {
  curl_init_once();
  std::unique_ptr<CURLU, UrlDeleter> u(curl_url());
  if (curl_url_set(u.get(), CURLUPART_URL, url.c_str(), 0) != CURLUE_OK) return invalid_argument("a malformed URL");
  auto part = [&](CURLUPart which, unsigned flags) -> std::optional<std::string> {
    char* out = nullptr;
    if (curl_url_get(u.get(), which, &out, flags) != CURLUE_OK) return std::nullopt;
    std::string s(out);
    curl_free(out);
    return s;
  };
  const auto scheme = part(CURLUPART_SCHEME, 0), host = part(CURLUPART_HOST, 0),
             port = part(CURLUPART_PORT, CURLU_DEFAULT_PORT), path = part(CURLUPART_PATH, 0);
  if (!scheme || !host || !port || !path) return invalid_argument("a URL without a scheme, host or port");
  UrlParts p{ascii_lower(*scheme), ascii_lower(*host), *port, part(CURLUPART_PORT, 0).has_value(), *path};
  if (p.scheme != "http" && p.scheme != "https") return invalid_argument("a URL whose scheme is not http(s)");
  // Credentials inside a URL would end up in messages; tokens come from the environment.
  if (part(CURLUPART_USER, 0) || part(CURLUPART_PASSWORD, 0)) return invalid_argument("a URL with credentials in it");
  return p;
}

Result<std::string> url_origin(const std::string& url) {
  HERD_ASSIGN_OR_RETURN(const UrlParts p, parse_url(url));
  return p.scheme + "://" + p.host + ":" + p.port;
}

Result<HttpResponse> http_fetch(const HttpRequest& request, const BodySink& sink) {
  curl_init_once();
  HERD_ASSIGN_OR_RETURN(const std::string origin, url_origin(request.url));
  std::string url = request.url;
  std::set<std::string> seen{url};
  bool send_token = true;  // only while every hop so far stayed on the first origin
  HttpResponse response;
  for (int hop = 0;; ++hop) {
    response.status = 0;
    response.body_bytes = 0;
    response.error_body.clear();
    response.final_url = url;
    HERD_ASSIGN_OR_RETURN(const std::string here, url_origin(url));
    send_token = send_token && here == origin;
    HERD_RETURN_IF_ERROR(perform_hop(request, url, send_token, sink, &response));
    const int s = response.status;
    if (!request.follow_redirects || (s != 301 && s != 302 && s != 303 && s != 307 && s != 308)) return response;
    const std::string location = response.header("location");
    if (location.empty()) return unavailable("a " + std::to_string(s) + " redirect without a Location");
    if (hop + 1 > kMaxRedirects) return unavailable("more than " + std::to_string(kMaxRedirects) + " redirects");
    HERD_ASSIGN_OR_RETURN(url, resolve_location(url, location));
    if (!seen.insert(url).second) return unavailable("a redirect loop (back to an earlier URL)");
  }
}

Result<std::string> http_get_text(HttpRequest request, uint64_t max_bytes) {
  request.max_body = max_bytes;
  std::string body;
  HERD_ASSIGN_OR_RETURN(
      const HttpResponse response, http_fetch(request, [&](const HttpResponse&, std::string_view bytes) {
        body.append(bytes);
        return Status();
      }));
  if (response.status < 200 || response.status >= 300) return status_error("GET " + request.url, response);
  return body;
}

std::string ascii_lower(std::string_view s) {
  std::string out(s);
  std::transform(out.begin(), out.end(), out.begin(), [](unsigned char c) { return std::tolower(c); });
  return out;
}

Status status_error(const std::string& what, const HttpResponse& response) {
  const int s = response.status;
  std::string detail = response.error_body.substr(0, 200);
  for (char& ch : detail) {
    if (ch == '\n' || ch == '\r') ch = ' ';
  }
  const std::string message = what + ": HTTP " + std::to_string(s) + (detail.empty() ? "" : " (" + detail + ")");
  if (s == 404) return not_found(message);
  if (s >= 500 || s == 408 || s == 429) return unavailable(message);
  return invalid_argument(message);
}

}  // namespace herd::store
