// A usage report as a user asks for it, in words (herd usage's flags, GET /admin/usage's
// query): checked, run against the ledger and rendered. One path for the CLI and the API.
#pragma once

#include <string>
#include <string_view>

#include "base/status.h"
#include "gateway/gateway_db.h"
#include "gateway/usage_report.h"

namespace herd::gateway {

// Every field as given; "" for not given.
struct UsageRequest {
  std::string key;     // an id, a name or a display prefix
  std::string model;
  std::string since;   // usage_report.h's time points
  std::string until;
  std::string by;      // key | model | day | hour
  std::string format;  // table | csv | json
};

struct RenderedUsage {
  UsageFormat format = UsageFormat::kTable;
  std::string body;
};

// kInvalidArgument (naming the field as `flag_prefix` + its name, e.g. "--since" or
// "since") for a bad field, kNotFound for an unknown key; `default_format` when none given.
Result<RenderedUsage> render_usage_request(GatewayDb& db, const UsageRequest& request, int64_t now_us,
                                           std::string_view flag_prefix, UsageFormat default_format);

}  // namespace herd::gateway
