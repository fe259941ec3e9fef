// One parsed HTTP/1.x request, as a handler sees it.
#pragma once

#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace herd::http {

using Headers = std::vector<std::pair<std::string, std::string>>;

// ASCII case-insensitive equality, for header names and tokens.
bool iequals(std::string_view a, std::string_view b);

struct Request {
  std::string method;   // "GET", "POST", ... (case-sensitive, as sent)
  std::string target;   // as sent: path and query
  std::string path;     // percent-decoded, without the query
  std::string query;    // after '?', not decoded
  int minor_version = 1;  // HTTP/1.<minor>
  Headers headers;      // in order, names as sent
  std::string body;     // de-chunked
  bool keep_alive = true;  // HTTP/1.1 without "Connection: close"
  std::string id;       // x-request-id from the client (when valid) or generated

  // The first header of that name (case-insensitive), or nullopt.
  std::optional<std::string_view> header(std::string_view name) const;
};

}  // namespace herd::http
