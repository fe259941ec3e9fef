#include "gateway/usage_request.h"

#include <map>
#include <tuple>

#include "gateway/key_admin.h"
#include "gateway/model_name.h"

namespace herd::gateway {

Result<RenderedUsage> render_usage_request(GatewayDb& db, const UsageRequest& request, int64_t now_us,
                                           std::string_view flag_prefix, UsageFormat default_format) {
  const std::string prefix(flag_prefix);
  RenderedUsage out;
  out.format = default_format;
  if (!request.format.empty()) {
    std::optional<UsageFormat> format = parse_usage_format(request.format);
    if (!format) return invalid_argument(prefix + "format must be one of table, csv, json");
    out.format = *format;
  }
  UsageQuery q;
  if (!request.by.empty()) {
    std::optional<UsageQuery::GroupBy> g = parse_group_by(request.by);
    if (!g) return invalid_argument(prefix + "by must be one of key, model, day, hour");
    q.group_by = *g;
  }
  for (auto [text, at, what] : {std::tuple{&request.since, &q.since_us, "since"}, {&request.until, &q.until_us, "until"}}) {
    if (text->empty()) continue;
    Result<int64_t> t = parse_time_point(*text, now_us);
    if (!t.ok()) return t.status().with_context(prefix + what);
    *at = *t;
  }
  if (q.since_us >= q.until_us) return invalid_argument(prefix + "since must come before " + prefix + "until");
  if (!request.model.empty()) {
    HERD_RETURN_IF_ERROR(validate_model_name(request.model, prefix + "model"));
    q.model = request.model;
  }
  if (!request.key.empty()) {
    HERD_ASSIGN_OR_RETURN(KeyRecord key, find_key_ref(db, request.key));
    q.key_id = key.id;
  }
  HERD_ASSIGN_OR_RETURN(std::vector<UsageTotals> rows, db.usage(q));
  std::map<int64_t, std::string> names;
  if (q.group_by == UsageQuery::GroupBy::kKey) {
    HERD_ASSIGN_OR_RETURN(std::vector<KeyRecord> keys, db.list_keys(/*include_revoked=*/true));
    for (const KeyRecord& k : keys) names[k.id] = k.name;
  }
  out.body = render_usage(rows, q.group_by, out.format, names);
  return out;
}

}  // namespace herd::gateway
