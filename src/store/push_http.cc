#include "store/push_http.h"

#include <curl/curl.h>

#include <algorithm>
#include <cctype>
#include <nlohmann/json.hpp>

#include "store/http_fetch.h"

namespace herd::store {
namespace {

constexpr size_t kMaxReplyBody = 64u << 10;

size_t collect_body(char* data, size_t size, size_t n, void* user) {
  auto* reply = static_cast<PushReply*>(user);
  const size_t bytes = size * n;
  const size_t room = kMaxReplyBody - std::min(kMaxReplyBody, reply->body.size());
  reply->body.append(data, std::min(bytes, room));
  return bytes;
}

size_t collect_header(char* data, size_t size, size_t n, void* user) {
  auto* reply = static_cast<PushReply*>(user);
  const size_t bytes = size * n;
  std::string_view line(data, bytes);
  constexpr std::string_view kLocation = "location:";
  if (line.size() > kLocation.size()) {
    bool match = true;
    for (size_t i = 0; i < kLocation.size() && match; ++i) {
      match = static_cast<char>(std::tolower(static_cast<unsigned char>(line[i]))) == kLocation[i];
    }
    if (match) {
      line.remove_prefix(kLocation.size());
      while (!line.empty() && (line.front() == ' ' || line.front() == '\t')) line.remove_prefix(1);
      while (!line.empty() && (line.back() == '\r' || line.back() == '\n' || line.back() == ' ')) line.remove_suffix(1);
      reply->location = std::string(line);
    }
  }
  return bytes;
}

}  // namespace

struct PushHttp::Impl {
  CURL* curl = nullptr;
  std::string bearer;
};

PushHttp::PushHttp(std::string bearer) : impl_(std::make_unique<Impl>()) {
  curl_init_once();
  impl_->curl = curl_easy_init();
  impl_->bearer = std::move(bearer);
}

PushHttp::~PushHttp() {
  if (impl_->curl != nullptr) curl_easy_cleanup(impl_->curl);
}

Result<PushReply> PushHttp::send(std::string_view method, const std::string& url, std::string_view body,
                                 const std::vector<std::string>& headers) {
  CURL* c = impl_->curl;
  if (c == nullptr) return internal_error("libcurl could not start");
  curl_easy_reset(c);
  PushReply reply;
  char error[CURL_ERROR_SIZE] = {0};
  curl_slist* list = nullptr;
  for (const std::string& h : headers) list = curl_slist_append(list, h.c_str());
  std::string auth;
  if (!impl_->bearer.empty()) {
    auth = "Authorization: Bearer " + impl_->bearer;
    list = curl_slist_append(list, auth.c_str());
  }
  list = curl_slist_append(list, "Expect:");  // no 100-continue round trip per piece
  const std::string method_text(method);
  curl_easy_setopt(c, CURLOPT_URL, url.c_str());
  curl_easy_setopt(c, CURLOPT_PROTOCOLS_STR, "http,https");
  curl_easy_setopt(c, CURLOPT_FOLLOWLOCATION, 0L);
  curl_easy_setopt(c, CURLOPT_NOSIGNAL, 1L);
  curl_easy_setopt(c, CURLOPT_CONNECTTIMEOUT, 30L);
  // A stalled transfer ends; a slow one does not.
  curl_easy_setopt(c, CURLOPT_LOW_SPEED_LIMIT, 1L);
  curl_easy_setopt(c, CURLOPT_LOW_SPEED_TIME, 120L);
  curl_easy_setopt(c, CURLOPT_ERRORBUFFER, error);
  curl_easy_setopt(c, CURLOPT_HTTPHEADER, list);
  curl_easy_setopt(c, CURLOPT_WRITEFUNCTION, collect_body);
  curl_easy_setopt(c, CURLOPT_WRITEDATA, &reply);
  curl_easy_setopt(c, CURLOPT_HEADERFUNCTION, collect_header);
  curl_easy_setopt(c, CURLOPT_HEADERDATA, &reply);
  if (method_text == "HEAD") {
    curl_easy_setopt(c, CURLOPT_NOBODY, 1L);
  } else if (method_text != "GET") {
    curl_easy_setopt(c, CURLOPT_POSTFIELDS, body.empty() ? "" : body.data());
    curl_easy_setopt(c, CURLOPT_POSTFIELDSIZE_LARGE, static_cast<curl_off_t>(body.size()));
    if (method_text != "POST") curl_easy_setopt(c, CURLOPT_CUSTOMREQUEST, method_text.c_str());
  }
  const CURLcode rc = curl_easy_perform(c);
  curl_slist_free_all(list);
  if (!auth.empty()) std::fill(auth.begin(), auth.end(), '\0');
  if (rc != CURLE_OK) {
    return unavailable(method_text + " " + url + ": " + (error[0] != '\0' ? error : curl_easy_strerror(rc)));
  }
  curl_easy_getinfo(c, CURLINFO_RESPONSE_CODE, &reply.status);
  return reply;
}

std::string registry_error_text(std::string_view body) {
  nlohmann::json j = nlohmann::json::parse(body, nullptr, /*allow_exceptions=*/false);
  if (!j.is_object() || !j.contains("errors") || !j["errors"].is_array() || j["errors"].empty()) return "";
  const nlohmann::json& e = j["errors"][0];
  if (!e.is_object()) return "";
  std::string text;
  if (e.contains("code") && e["code"].is_string()) text = e["code"].get<std::string>();
  if (e.contains("message") && e["message"].is_string()) {
    text += (text.empty() ? "" : ": ") + e["message"].get<std::string>();
  }
  if (text.size() > 300) text = text.substr(0, 300) + "...";
  return text;
}

}  // namespace herd::store
