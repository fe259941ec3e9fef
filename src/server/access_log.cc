#include "server/access_log.h"

#include <chrono>
#include <cstdio>
#include <ctime>

namespace herd::server {

std::string route_label(std::string_view path) {
  for (const char* known : {"/v1/chat/completions", "/v1/completions", "/v1/models", "/health", "/metrics",
                            "/tokenize", "/detokenize"}) {
    if (path == known) return known;
  }
  if (path.rfind("/v1/models/", 0) == 0) return "/v1/models/{id}";
  if (path == "/v2" || path == "/v2/") return "/v2/";
  if (path.rfind("/v2/", 0) == 0) {  // the registry (registry_routes.h)
    if (path.find("/manifests/") != std::string_view::npos) return "/v2/{name}/manifests/{tag}";
    if (path.find("/blobs/uploads") != std::string_view::npos) return "/v2/{name}/blobs/uploads";
    if (path.find("/blobs/") != std::string_view::npos) return "/v2/{name}/blobs/{digest}";
  }
  return "other";
}

std::string access_log_line(const http::AccessRecord& record) {
  const auto now = std::chrono::system_clock::now();
  const std::time_t secs = std::chrono::system_clock::to_time_t(now);
  const auto millis =
      std::chrono::duration_cast<std::chrono::milliseconds>(now.time_since_epoch()).count() % 1000;
  std::tm tm{};
  gmtime_r(&secs, &tm);
  char stamp[48];
  std::snprintf(stamp, sizeof stamp, "%04d-%02d-%02dT%02d:%02d:%02d.%03dZ", tm.tm_year + 1900, tm.tm_mon + 1,
                tm.tm_mday, tm.tm_hour, tm.tm_min, tm.tm_sec, static_cast<int>(millis));
  const http::Request* req = record.request;
  std::string line = stamp;
  line += " id=" + (req != nullptr && !req->id.empty() ? req->id : std::string("-"));
  line += " " + (req != nullptr && !req->method.empty() ? req->method.substr(0, 16) : std::string("-"));
  line += " " + (req != nullptr && !req->method.empty() ? route_label(req->path) : std::string("-"));
  const http::AccessNote* note = record.note;
  line += " model=" + (note != nullptr && !note->model.empty() ? note->model : std::string("-"));
  if (note != nullptr && !note->key.empty()) line += " key=" + note->key;
  line += " status=" + std::to_string(record.status);
  if (note != nullptr && note->prompt_tokens >= 0) line += " prompt_tokens=" + std::to_string(note->prompt_tokens);
  if (note != nullptr && note->completion_tokens >= 0) {
    line += " completion_tokens=" + std::to_string(note->completion_tokens);
  }
  char num[64];
  if (note != nullptr && note->ttft_s >= 0) {
    std::snprintf(num, sizeof num, " ttft_ms=%.1f", note->ttft_s * 1e3);
    line += num;
  }
  std::snprintf(num, sizeof num, " duration_ms=%.1f", record.duration_s * 1e3);
  line += num;
  return line;
}

}  // namespace herd::server
