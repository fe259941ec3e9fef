#include "server_info.h"

#include <httplib.h>

#include <nlohmann/json.hpp>

namespace herd::load {

std::optional<std::string> first_model_id(const std::string& url, const std::string& api_key) {
  httplib::Client client(url);
  client.set_connection_timeout(10);
  if (!api_key.empty()) client.set_bearer_token_auth(api_key);
  const auto res = client.Get("/v1/models");
  if (!res || res->status != 200) return std::nullopt;
  const auto body = nlohmann::json::parse(res->body, nullptr, false);
  if (!body.is_object() || !body.contains("data") || !body["data"].is_array() ||
      body["data"].empty() || !body["data"][0].contains("id") ||
      !body["data"][0]["id"].is_string()) {
    return std::nullopt;
  }
  return body["data"][0]["id"].get<std::string>();
}

std::optional<int> count_tokens(const std::string& url, const std::string& text, const std::string& api_key) {
  httplib::Client client(url);
  client.set_connection_timeout(10);
  if (!api_key.empty()) client.set_bearer_token_auth(api_key);
  client.set_read_timeout(60);
  const nlohmann::json request = {{"content", text}, {"add_special", false}};
  const auto res = client.Post("/tokenize", request.dump(), "application/json");
  if (!res || res->status != 200) return std::nullopt;
  const auto body = nlohmann::json::parse(res->body, nullptr, false);
  if (!body.is_object() || !body.contains("tokens") || !body["tokens"].is_array()) {
    return std::nullopt;
  }
  return static_cast<int>(body["tokens"].size());
}

}  // namespace herd::load
