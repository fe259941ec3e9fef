#include "server/admin_routes.h"

#include <nlohmann/json.hpp>
#include <string>
#include <vector>

#include "base/json_limits.h"
#include "gateway/api_key.h"
#include "gateway/key_admin.h"
#include "gateway/usage_request.h"
#include "server/openai_response.h"
#include "server/registry_path.h"
#include "server/server_state.h"

namespace herd::server {
namespace {

using Json = nlohmann::ordered_json;
using gateway::Caller;
using http::Request;
using http::ResponseWriter;

constexpr std::string_view kKeysPrefix = "/admin/keys/";
constexpr std::string_view kPricesPrefix = "/admin/prices/";

// A change made here is seen by this server's next request, not a reload interval later.
void reload(ServerState& s, const Request& req) {
  if (Status st = s.params.gateway->reload(); !st.ok()) s.log("error: request " + req.id + ": " + st.message());
}

// Admin requests carry keys (a new one's name, a reference): no error may echo one.
void fail(ServerState& s, const Request& req, ResponseWriter& w, const Status& status, std::string param = {}) {
  const Status redacted(status.code(), gateway::redact_api_keys(status.message()));
  send_error(s, req, w, api_error(redacted, std::move(param), s.params.retry_after_s));
}

// The key a /admin/keys/{ref} path names.
Result<gateway::KeyRecord> key_at(ServerState& s, const Request& req) {
  const std::string ref = req.path.substr(kKeysPrefix.size());
  if (ref.empty() || ref.size() > 128) return not_found("no such key");
  Result<gateway::KeyRecord> key = gateway::find_key_ref(s.params.gateway->db(), ref);
  // The reference is not echoed: it may be a key someone pasted by mistake.
  if (!key.ok() && key.status().code() == StatusCode::kNotFound) return not_found("no such key");
  return key;
}

void list_keys(ServerState& s, const Request& req, ResponseWriter& w) {
  const bool all = query_value(req.query, "all").value_or("") == "true";
  Result<std::vector<gateway::KeyRecord>> keys = s.params.gateway->db().list_keys(all);
  if (!keys.ok()) return fail(s, req, w, keys.status());
  Json data = Json::array();
  for (const gateway::KeyRecord& k : *keys) data.push_back(gateway::key_json(k));
  send_json(w, 200, {{"object", "list"}, {"data", std::move(data)}});
}

void create_key(ServerState& s, const Request& req, ResponseWriter& w) {
  Result<nlohmann::json> body = parse_json_object<nlohmann::json>(req.body);
  if (!body.ok()) return fail(s, req, w, body.status());
  Result<gateway::KeySpec> spec = gateway::key_spec_from_json(*body);
  if (!spec.ok()) return fail(s, req, w, spec.status());
  gateway::Gateway& g = *s.params.gateway;
  Result<gateway::CreatedKey> created = gateway::create_key(g.db(), g.hasher(), *spec);
  if (!created.ok()) return fail(s, req, w, created.status());
  reload(s, req);
  Json out = gateway::key_json(created->record);
  out["key"] = created->key;  // shown this once
  send_json(w, 201, out);
}

void key_route(ServerState& s, const Request& req, ResponseWriter& w) {
  Result<gateway::KeyRecord> key = key_at(s, req);
  if (!key.ok()) return fail(s, req, w, key.status());
  gateway::GatewayDb& db = s.params.gateway->db();
  if (req.method == "GET") return send_json(w, 200, gateway::key_json(*key));
  if (req.method == "DELETE") {
    if (key->revoked_at == 0) {
      if (Status st = db.revoke_key(key->id, s.params.gateway->now_us() / 1'000'000); !st.ok()) {
        return fail(s, req, w, st);
      }
      reload(s, req);
    }
    Result<gateway::KeyRecord> now = db.find_key(key->id);
    if (!now.ok()) return fail(s, req, w, now.status());
    return send_json(w, 200, gateway::key_json(*now));
  }
  // PATCH
  Result<nlohmann::json> body = parse_json_object<nlohmann::json>(req.body);
  if (!body.ok()) return fail(s, req, w, body.status());
  Result<gateway::KeySpec> spec = gateway::key_spec_from_json(*body);
  if (!spec.ok()) return fail(s, req, w, spec.status());
  if (key->revoked_at != 0) return fail(s, req, w, invalid_argument("the key is revoked"));
  Result<gateway::KeyRecord> updated = gateway::update_key(db, *key, *spec);
  if (!updated.ok()) return fail(s, req, w, updated.status());
  reload(s, req);
  send_json(w, 200, gateway::key_json(*updated));
}

void usage_route(ServerState& s, const Request& req, ResponseWriter& w) {
  gateway::UsageRequest ask;
  for (auto [name, field] : {std::pair{"key", &ask.key}, {"model", &ask.model}, {"since", &ask.since},
                             {"until", &ask.until}, {"by", &ask.by}, {"format", &ask.format}}) {
    *field = query_value(req.query, name).value_or("");
  }
  Result<gateway::RenderedUsage> report = gateway::render_usage_request(
      s.params.gateway->db(), ask, s.params.gateway->now_us(), "", gateway::UsageFormat::kJson);
  if (!report.ok()) {
    // An unknown key is the query's fault here, not a missing route.
    const Status& st = report.status();
    return fail(s, req, w, st.code() == StatusCode::kNotFound ? invalid_argument("no such key") : st);
  }
  http::Response r;
  r.set_header("Content-Type", report->format == gateway::UsageFormat::kJson  ? "application/json"
                               : report->format == gateway::UsageFormat::kCsv ? "text/csv; charset=utf-8"
                                                                             : "text/plain; charset=utf-8");
  r.body = std::move(report->body);
  w.send(std::move(r));
}

Json price_json(const std::string& model, const gateway::Price& p) {
  return {{"model", model},
          {"input", gateway::format_amount(p.input)},
          {"cached_input", gateway::format_amount(p.cached_input)},
          {"output", gateway::format_amount(p.output)}};
}

void list_prices(ServerState& s, const Request& req, ResponseWriter& w) {
  Result<std::vector<std::pair<std::string, gateway::Price>>> prices = s.params.gateway->db().list_prices();
  if (!prices.ok()) return fail(s, req, w, prices.status());
  Json data = Json::array();
  for (const auto& [model, price] : *prices) data.push_back(price_json(model, price));
  send_json(w, 200, {{"object", "list"}, {"data", std::move(data)}});
}

void put_price(ServerState& s, const Request& req, ResponseWriter& w) {
  const std::string model = req.path.substr(kPricesPrefix.size());
  if (model.empty() || model.size() > 256) return fail(s, req, w, invalid_argument("a price needs a model"), "model");
  Result<nlohmann::json> body = parse_json_object<nlohmann::json>(req.body);
  if (!body.ok()) return fail(s, req, w, body.status());
  gateway::Price price;
  for (auto& [field, target] : {std::pair<const char*, gateway::Micros*>{"input", &price.input},
                                {"cached_input", &price.cached_input},
                                {"output", &price.output}}) {
    auto it = body->find(field);
    if (it == body->end() || !it->is_string()) {
      return fail(s, req, w, invalid_argument(std::string("'") + field + "' must be a decimal string"), field);
    }
    Result<gateway::Micros> amount = gateway::parse_amount(it->get<std::string>(), field);
    if (!amount.ok()) return fail(s, req, w, amount.status(), field);
    *target = *amount;
  }
  if (body->size() != 3) return fail(s, req, w, invalid_argument("a price has input, cached_input and output only"));
  if (Status st = s.params.gateway->db().set_price(model, price); !st.ok()) return fail(s, req, w, st);
  reload(s, req);
  send_json(w, 200, price_json(model, price));
}

}  // namespace

void install_admin_routes(http::Server& h, ServerState& s, const AdminGuard& guard) {
  using http::Lane;
  h.route("GET", "/admin/keys", Lane::kCheap,
          guard([&s](const Request& req, ResponseWriter& w, const Caller*) { list_keys(s, req, w); }));
  h.route("POST", "/admin/keys", Lane::kCheap,
          guard([&s](const Request& req, ResponseWriter& w, const Caller*) { create_key(s, req, w); }));
  for (const char* method : {"GET", "PATCH", "DELETE"}) {
    h.route_prefix(method, std::string(kKeysPrefix), Lane::kCheap,
                   guard([&s](const Request& req, ResponseWriter& w, const Caller*) { key_route(s, req, w); }));
  }
  // Reports read roll-ups but may still take a while: the heavy lane.
  h.route("GET", "/admin/usage", Lane::kHeavy,
          guard([&s](const Request& req, ResponseWriter& w, const Caller*) { usage_route(s, req, w); }));
  h.route("GET", "/admin/prices", Lane::kCheap,
          guard([&s](const Request& req, ResponseWriter& w, const Caller*) { list_prices(s, req, w); }));
  h.route_prefix("PUT", std::string(kPricesPrefix), Lane::kCheap,
                 guard([&s](const Request& req, ResponseWriter& w, const Caller*) { put_price(s, req, w); }));
}

}  // namespace herd::server
