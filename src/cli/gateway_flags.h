// --db and --secret-file, which `herd keys`, `herd prices` and `herd usage` share, and the
// gateway they open (gateway/gateway_home.h says where each defaults to).
#pragma once

#include <string>
#include <vector>

#include "base/status.h"
#include "gateway/gateway_home.h"

namespace CLI {
class App;
}

namespace herd::cli {

struct GatewayFlags {
  std::string db;
  std::string secret_file;
};

void add_gateway_flags(CLI::App* cmd, GatewayFlags* flags);
// Opens and migrates the gateway database under $HERD_HOME (or where the flags say).
Result<gateway::OpenedGateway> open_gateway_from_flags(const GatewayFlags& flags);

// fail() for the gateway commands: the message goes out with anything shaped like an API
// key (or a long piece of one) redacted, since these commands are where keys get pasted.
int fail_redacted(const Status& status);
int fail_redacted(const std::string& message);

// --format's words: kInvalidArgument naming the allowed ones.
Status check_format(const std::string& format, const std::vector<std::string>& allowed);

}  // namespace herd::cli
