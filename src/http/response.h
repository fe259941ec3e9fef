// A whole HTTP response, and the text of a response head.
#pragma once

#include <string>
#include <string_view>

#include "http/request.h"

namespace herd::http {

struct Response {
  int status = 200;
  Headers headers;  // Content-Length, Connection and x-request-id are added when sent
  std::string body;

  Response& set_header(std::string name, std::string value) {
    headers.emplace_back(std::move(name), std::move(value));
    return *this;
  }
};

std::string_view reason_phrase(int status);

// "HTTP/1.<minor> <status> <reason>\r\n", the headers, then the empty line.
std::string response_head(int minor_version, int status, const Headers& headers);

}  // namespace herd::http
