#include "stream_request.h"

#include <httplib.h>

#include <chrono>
#include <nlohmann/json.hpp>

#include "sse_parser.h"

namespace herd::load {
namespace {

using Clock = std::chrono::steady_clock;

double ms_between(Clock::time_point a, Clock::time_point b) {
  return std::chrono::duration<double, std::milli>(b - a).count();
}

// The generated text of choice 0, from a completions or a chat chunk.
std::string chunk_text(const nlohmann::json& chunk) {
  const auto choices = chunk.find("choices");
  if (choices == chunk.end() || !choices->is_array() || choices->empty()) return {};
  const auto& choice = (*choices)[0];
  if (auto text = choice.find("text"); text != choice.end() && text->is_string()) {
    return text->get<std::string>();
  }
  if (auto delta = choice.find("delta"); delta != choice.end() && delta->is_object()) {
    if (auto content = delta->find("content"); content != delta->end() && content->is_string()) {
      return content->get<std::string>();
    }
  }
  return {};
}

std::string chunk_finish_reason(const nlohmann::json& chunk) {
  const auto choices = chunk.find("choices");
  if (choices == chunk.end() || !choices->is_array() || choices->empty()) return {};
  const auto reason = (*choices)[0].find("finish_reason");
  return reason != (*choices)[0].end() && reason->is_string() ? reason->get<std::string>() : "";
}

void read_usage(const nlohmann::json& chunk, StreamResult& out) {
  const auto usage = chunk.find("usage");
  if (usage == chunk.end() || !usage->is_object()) return;
  out.completion_tokens = usage->value("completion_tokens", -1);
  out.prompt_tokens = usage->value("prompt_tokens", -1);
  if (auto details = usage->find("prompt_tokens_details");
      details != usage->end() && details->is_object()) {
    out.cached_tokens = details->value("cached_tokens", -1);
  }
}

}  // namespace

StreamResult run_stream(const StreamTarget& target, const std::string& json_body) {
  StreamResult out;
  bool done = false;
  int status = -1;
  std::string error_body;
  const auto start = Clock::now();
  auto last_text = start;

  SseParser parser([&](std::string_view data) {
    if (data == "[DONE]") {
      done = true;
      return;
    }
    const auto chunk = nlohmann::json::parse(data, nullptr, /*allow_exceptions=*/false);
    if (chunk.is_discarded() || !chunk.is_object()) {
      if (out.error.empty()) out.error = "unparseable SSE data: " + std::string(data.substr(0, 200));
      return;
    }
    if (chunk.contains("error")) {
      if (out.error.empty()) out.error = "error event: " + chunk["error"].dump();
      return;
    }
    if (!chunk_text(chunk).empty()) {
      const auto now = Clock::now();
      if (out.text_chunks == 0) {
        out.ttft_ms = ms_between(start, now);
      } else {
        out.gaps_ms.push_back(ms_between(last_text, now));
      }
      last_text = now;
      ++out.text_chunks;
    }
    if (auto reason = chunk_finish_reason(chunk); !reason.empty()) out.finish_reason = reason;
    read_usage(chunk, out);
  });

  httplib::Client client(target.url);
  const auto timeout_us = static_cast<long>(target.timeout_s * 1e6);
  client.set_connection_timeout(10);
  client.set_read_timeout(timeout_us / 1000000, timeout_us % 1000000);
  client.set_write_timeout(30);

  httplib::Request req;
  req.method = "POST";
  req.path = target.path;
  req.body = json_body;
  req.set_header("Content-Type", "application/json");
  req.set_header("Accept", "text/event-stream");
  if (!target.api_key.empty()) req.set_header("Authorization", "Bearer " + target.api_key);
  req.response_handler = [&](const httplib::Response& res) {
    status = res.status;
    return true;
  };
  req.content_receiver = [&](const char* data, size_t size, uint64_t, uint64_t) {
    if (status == 200) {
      parser.feed(std::string_view(data, size));
    } else if (error_body.size() < 1000) {
      error_body.append(data, size);
    }
    return true;
  };

  httplib::Response res;
  httplib::Error err = httplib::Error::Success;
  const bool sent = client.send(req, res, err);
  parser.finish();
  out.total_ms = ms_between(start, Clock::now());

  if (!sent) {
    out.error = "transport: " + httplib::to_string(err);
  } else if (status != 200) {
    out.error = "HTTP " + std::to_string(status) + ": " + error_body.substr(0, 300);
  } else if (out.error.empty() && !done) {
    out.error = "stream ended without data: [DONE]";
  }
  out.ok = out.error.empty();
  return out;
}

}  // namespace herd::load
