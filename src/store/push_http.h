// The few HTTP requests a push makes (libcurl): one at a time, the body from memory (a
// push sends a blob in pieces), the reply's status, Location and a bounded body. Redirects
// are not followed, so the key never goes to a host it was not meant for.
#pragma once

#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "base/status.h"

namespace herd::store {

struct PushReply {
  long status = 0;
  std::string location;  // the Location header, "" when none
  std::string body;      // at most 64 KiB of it
};

class PushHttp {
 public:
  // `bearer`: sent as "Authorization: Bearer <bearer>" unless empty.
  explicit PushHttp(std::string bearer);
  ~PushHttp();
  PushHttp(const PushHttp&) = delete;
  PushHttp& operator=(const PushHttp&) = delete;

  // kUnavailable when the server cannot be reached or the transfer fails (the message
  // names the URL and curl's reason, never the key). HEAD sends no body.
  Result<PushReply> send(std::string_view method, const std::string& url, std::string_view body,
                         const std::vector<std::string>& headers = {});

 private:
  struct Impl;
  std::unique_ptr<Impl> impl_;
};

// The registry's own words from an error body ({"errors":[{"code","message"}]}), short;
// "" when the body is not one.
std::string registry_error_text(std::string_view body);

}  // namespace herd::store
