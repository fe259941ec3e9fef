#include "server/output_constraint.h"

#include <charconv>
#include <cmath>


namespace herd::server {
namespace {

using Json = nlohmann::ordered_json;

constexpr size_t kMaxLogitBias = 1024;

Status bad(std::string* param, const std::string& name, const std::string& message) {
  if (param != nullptr) *param = name;
  return invalid_argument(message);
}

Result<OutputConstraint> parse_response_format(const Json& v, std::string* param) {
  OutputConstraint out;
  out.param = "response_format";
  if (!v.is_object()) return bad(param, "response_format", "'response_format' must be an object");
  auto type = v.find("type");
  if (type == v.end() || !type->is_string()) {
    return bad(param, "response_format.type", "'response_format.type' must be \"text\", \"json_object\" or \"json_schema\"");
  }
  const std::string& t = type->get_ref<const std::string&>();
  if (t == "text") return out;
  if (t == "json_object") {
    out.kind = OutputConstraint::Kind::kJsonObject;
    return out;
  }
  if (t != "json_schema") {
    return bad(param, "response_format.type", "'response_format.type' must be \"text\", \"json_object\" or \"json_schema\"");
  }
  auto spec = v.find("json_schema");
  if (spec == v.end() || !spec->is_object()) {
    return bad(param, "response_format.json_schema", "'response_format.json_schema' must be an object");
  }
  auto name = spec->find("name");
  if (name != spec->end() && !name->is_string()) {
    return bad(param, "response_format.json_schema.name", "'response_format.json_schema.name' must be a string");
  }
  auto strict = spec->find("strict");
  if (strict != spec->end() && !strict->is_boolean() && !strict->is_null()) {
    return bad(param, "response_format.json_schema.strict", "'response_format.json_schema.strict' must be a boolean");
  }
  auto schema = spec->find("schema");
  if (schema == spec->end() || schema->is_null()) {
    out.schema = Json::object();  // OpenAI allows leaving it out: any JSON value
  } else if (schema->is_object() || schema->is_boolean()) {
    out.schema = *schema;
  } else {
    return bad(param, "response_format.json_schema.schema", "'response_format.json_schema.schema' must be an object");
  }
  out.kind = OutputConstraint::Kind::kJsonSchema;
  return out;
}

}  // namespace

Result<OutputConstraint> parse_output_constraint(const Json& body, std::string* param) {
  OutputConstraint out;
  auto rf = body.find("response_format");
  if (rf != body.end() && !rf->is_null()) {
    HERD_ASSIGN_OR_RETURN(out, parse_response_format(*rf, param));
  }
  auto g = body.find("grammar");
  if (g != body.end() && !g->is_null()) {
    if (!g->is_string()) return bad(param, "grammar", "'grammar' must be a string of GBNF");
    if (g->get_ref<const std::string&>().empty()) return out;
    if (out.kind != OutputConstraint::Kind::kNone) {
      return bad(param, "grammar", "'grammar' and a JSON 'response_format' cannot be used together");
    }
    out.kind = OutputConstraint::Kind::kGbnf;
    out.gbnf = g->get<std::string>();
    out.param = "grammar";
  }
  return out;
}

Result<std::vector<std::pair<int32_t, float>>> parse_logit_bias(const Json& value) {
  std::vector<std::pair<int32_t, float>> out;
  if (value.is_null()) return out;
  if (!value.is_object()) return invalid_argument("'logit_bias' must be an object of token ids to numbers");
  if (value.size() > kMaxLogitBias) {
    return invalid_argument("'logit_bias' may name at most " + std::to_string(kMaxLogitBias) + " tokens");
  }
  for (const auto& [key, bias] : value.items()) {
    int32_t id = -1;
    const auto [end, ec] = std::from_chars(key.data(), key.data() + key.size(), id);
    if (ec != std::errc() || end != key.data() + key.size() || id < 0) {
      return invalid_argument("'logit_bias' keys must be token ids (non-negative integers), got \"" +
                              key.substr(0, 40) + "\"");
    }
    if (!bias.is_number()) return invalid_argument("'logit_bias' values must be numbers");
    const double b = bias.get<double>();
    if (!(b >= -100.0 && b <= 100.0)) return invalid_argument("'logit_bias' values must be in [-100, 100]");
    out.emplace_back(id, static_cast<float>(b));
  }
  return out;
}

}  // namespace herd::server
