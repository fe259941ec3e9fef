#include "cli/gateway_flags.h"

#include <CLI/CLI.hpp>

#include "cli/cli_support.h"
#include "gateway/api_key.h"
#include "store/store_layout.h"

namespace herd::cli {

void add_gateway_flags(CLI::App* cmd, GatewayFlags* flags) {
  cmd->add_option("--db", flags->db,
                  "Gateway database: a SQLite file or postgres://... (default $HERD_GATEWAY_DB, else "
                  "$HERD_HOME/gateway.db)");
  cmd->add_option("--secret-file", flags->secret_file,
                  "The secret keys are hashed under (default $HERD_GATEWAY_SECRET_FILE, else "
                  "$HERD_HOME/gateway.secret)");
}

Result<gateway::OpenedGateway> open_gateway_from_flags(const GatewayFlags& flags) {
  const store::StoreLayout layout = store::StoreLayout::from_environment();
  return gateway::open_gateway(gateway::resolve_gateway_location(layout.home(), flags.db, flags.secret_file));
}

int fail_redacted(const std::string& message) { return fail(gateway::redact_api_keys(message)); }
int fail_redacted(const Status& status) { return fail_redacted(status.message()); }

Status check_format(const std::string& format, const std::vector<std::string>& allowed) {
  std::string words;
  for (const std::string& a : allowed) {
    if (format == a) return Status();
    words += (words.empty() ? "" : ", ") + a;
  }
  return invalid_argument("--format must be one of " + words);
}

}  // namespace herd::cli
