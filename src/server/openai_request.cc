#include "server/openai_request.h"

#include <algorithm>
#include <cmath>
#include <nlohmann/json.hpp>
#include <random>
#include <utility>

#include "base/json_limits.h"
#include "runtime/keep_alive.h"
#include "server/openai_errors.h"

namespace herd::server {
namespace {

// Ordered: tools and schemas keep their key order (templates print them; outputs follow it).
using Json = nlohmann::ordered_json;

// Collects the name of the field at fault next to the Status that explains it.
class Parser {
 public:
  Parser(const Json& body, const RequestLimits& limits, std::string* error_param)
      : body_(body), limits_(limits), error_param_(error_param) {}

  Status fail(const std::string& param, const std::string& message) {
    if (error_param_ != nullptr) *error_param_ = param;
    return invalid_argument(message);
  }

  // The request's own field, else the model's default for it.
  const Json* field(const char* name) const {
    auto it = body_.find(name);
    if (it != body_.end() && !it->is_null()) return &*it;
    auto d = defaults_.find(name);
    return d == defaults_.end() || d->is_null() ? nullptr : &*d;
  }

  Result<double> number(const Json& v, const std::string& name, double lo, double hi) {
    if (!v.is_number()) return fail(name, "'" + name + "' must be a number");
    const double d = v.get<double>();
    if (!std::isfinite(d) || d < lo || d > hi) {
      return fail(name, "'" + name + "' must be between " + fmt(lo) + " and " + fmt(hi) + " (got " + fmt(d) + ")");
    }
    return d;
  }

  Result<int64_t> integer(const Json& v, const std::string& name, int64_t lo, int64_t hi) {
    int64_t i = 0;
    if (v.is_number_integer()) {
      i = v.is_number_unsigned() && v.get<uint64_t>() > static_cast<uint64_t>(INT64_MAX) ? INT64_MAX : v.get<int64_t>();
    } else if (v.is_number_float() && std::isfinite(v.get<double>()) && v.get<double>() == std::trunc(v.get<double>()) &&
               std::fabs(v.get<double>()) < 9e18) {
      i = static_cast<int64_t>(v.get<double>());  // 5.0 from a client that only has doubles
    } else {
      return fail(name, "'" + name + "' must be an integer");
    }
    if (i < lo || i > hi) {
      return fail(name, "'" + name + "' must be between " + std::to_string(lo) + " and " + std::to_string(hi) +
                            " (got " + std::to_string(i) + ")");
    }
    return i;
  }

  Result<bool> boolean(const Json& v, const std::string& name) {
    if (!v.is_boolean()) return fail(name, "'" + name + "' must be true or false");
    return v.get<bool>();
  }

  Result<std::string> string(const Json& v, const std::string& name) {
    if (!v.is_string()) return fail(name, "'" + name + "' must be a string");
    return v.get<std::string>();
  }

  Status parse(Endpoint endpoint, const ModelResolver& resolve_model, OpenAiRequest* out);

 private:
  static std::string fmt(double d) {
    std::string s = std::to_string(d);
    while (s.size() > 1 && s.back() == '0') s.pop_back();
    if (!s.empty() && s.back() == '.') s.pop_back();
    return s;
  }

  Status parse_model(const ModelResolver& resolve_model, OpenAiRequest* out);
  Status parse_keep_alive(OpenAiRequest* out);
  Status parse_messages(OpenAiRequest* out);
  Status parse_message_extras(const Json& m, const std::string& name, ChatMessage* msg);
  Result<std::string> parse_content(const Json& content, const std::string& name, bool null_ok);
  Status parse_prompt(OpenAiRequest* out);
  Status parse_sampling(OpenAiRequest* out);
  Status parse_lengths(OpenAiRequest* out);
  Status parse_stop(OpenAiRequest* out);
  Status parse_logprobs(OpenAiRequest* out);
  Status parse_stream(OpenAiRequest* out);
  Status refuse_unsupported(Endpoint endpoint);
  Status parse_constraints(OpenAiRequest* out);

  const Json& body_;
  Json defaults_ = Json::object();
  const RequestLimits& limits_;
  std::string* error_param_;
};

Status Parser::parse_model(const ModelResolver& resolve_model, OpenAiRequest* out) {
  if (const Json* model = field("model")) {
    HERD_ASSIGN_OR_RETURN(out->model, string(*model, "model"));
  }
  std::optional<Json> defaults = resolve_model(out->model);
  if (!defaults) {
    if (error_param_ != nullptr) *error_param_ = "model";
    return not_found("the model '" + echo(out->model) + "' does not exist (GET /v1/models lists the models served)");
  }
  if (defaults->is_object()) defaults_ = Json::parse(defaults->dump());
  return Status();
}

Status Parser::parse_keep_alive(OpenAiRequest* out) {
  const Json* v = field("keep_alive");
  if (v == nullptr) return Status();
  Result<std::chrono::milliseconds> d = invalid_argument("");
  if (v->is_number()) d = keep_alive_from_seconds(v->get<double>());
  if (v->is_string()) d = herd::parse_keep_alive(v->get<std::string>());
  if (!d.ok()) return fail("keep_alive", "'keep_alive' must be seconds or a duration such as \"5m\" (-1: forever)");
  out->keep_alive = *d;
  return Status();
}

Result<std::string> Parser::parse_content(const Json& content, const std::string& name, bool null_ok) {
  if (content.is_null()) {
    if (null_ok) return std::string();
    return fail(name, "'" + name + "' is required");
  }
  if (content.is_string()) return content.get<std::string>();
  if (!content.is_array()) return fail(name, "'" + name + "' must be a string or a list of text parts");
  std::string text;
  for (size_t j = 0; j < content.size(); ++j) {
    const std::string part = name + "[" + std::to_string(j) + "]";
    const Json& p = content[j];
    if (!p.is_object()) return fail(part, "'" + part + "' must be an object");
    auto type = p.find("type");
    if (type == p.end() || !type->is_string()) return fail(part + ".type", "'" + part + ".type' must be a string");
    if (*type != "text") {
      return fail(part + ".type", "'" + part + ".type' is '" + echo(type->get<std::string>()) +
                                      "'; only text parts are supported");
    }
    auto t = p.find("text");
    if (t == p.end() || !t->is_string()) return fail(part + ".text", "'" + part + ".text' must be a string");
    if (j > 0) text += "\n";
    text += t->get<std::string>();
  }
  return text;
}

Status Parser::parse_messages(OpenAiRequest* out) {
  const Json* messages = field("messages");
  if (messages == nullptr) return fail("messages", "'messages' is required");
  if (!messages->is_array()) return fail("messages", "'messages' must be a list of messages");
  if (messages->empty()) return fail("messages", "'messages' must not be empty");
  if (messages->size() > static_cast<size_t>(limits_.max_messages)) {
    return fail("messages", "'messages' has more than " + std::to_string(limits_.max_messages) + " messages");
  }
  for (size_t i = 0; i < messages->size(); ++i) {
    const std::string name = "messages[" + std::to_string(i) + "]";
    const Json& m = (*messages)[i];
    if (!m.is_object()) return fail(name, "'" + name + "' must be an object");
    auto role = m.find("role");
    if (role == m.end() || !role->is_string()) return fail(name + ".role", "'" + name + ".role' must be a string");
    ChatMessage msg;
    msg.role = role->get<std::string>();
    if (msg.role == "developer") msg.role = "system";
    if (msg.role != "system" && msg.role != "user" && msg.role != "assistant" && msg.role != "tool") {
      return fail(name + ".role", "'" + name + ".role' is '" + echo(msg.role) +
                                      "'; supported roles are system, user, assistant and tool");
    }
    HERD_RETURN_IF_ERROR(parse_message_extras(m, name, &msg));
    auto content = m.find("content");
    const Json null_content;
    HERD_ASSIGN_OR_RETURN(msg.content, parse_content(content == m.end() ? null_content : *content, name + ".content",
                                                     /*null_ok=*/msg.role == "assistant"));
    out->messages.push_back(std::move(msg));
  }
  return Status();
}

// Tool calls of an assistant turn, the call a tool result answers, and reasoning sent back.
Status Parser::parse_message_extras(const Json& m, const std::string& name, ChatMessage* msg) {
  auto calls = m.find("tool_calls");
  if (calls != m.end() && !calls->is_null()) {
    if (msg->role != "assistant") return fail(name + ".tool_calls", "only assistant messages carry tool_calls");
    std::string param;
    Result<Json> parsed = parse_message_tool_calls(*calls, name + ".tool_calls", &param);
    if (!parsed.ok()) return fail(param, parsed.status().message());
    if (!parsed->empty()) msg->tool_calls = std::move(parsed).value();
  }
  if (msg->role == "tool") {
    auto id = m.find("tool_call_id");
    if (id == m.end() || !id->is_string()) {
      return fail(name + ".tool_call_id", "'" + name + ".tool_call_id' must be a string");
    }
    msg->tool_call_id = id->get<std::string>();
  }
  for (const char* key : {"reasoning_content", "reasoning"}) {
    auto r = m.find(key);
    if (r == m.end() || r->is_null()) continue;
    if (!r->is_string()) return fail(name + "." + key, "'" + name + "." + key + "' must be a string");
    if (msg->reasoning.empty()) msg->reasoning = r->get<std::string>();
  }
  return Status();
}

Status Parser::parse_prompt(OpenAiRequest* out) {
  const Json* prompt = field("prompt");
  if (prompt == nullptr) return fail("prompt", "'prompt' is required");
  const Json* p = prompt;
  // A batch of one prompt (["text"] or [[1, 2, 3]]) is the same as that prompt.
  if (p->is_array() && p->size() == 1 && ((*p)[0].is_string() || (*p)[0].is_array())) p = &(*p)[0];
  if (p->is_string()) {
    out->prompt_text = p->get<std::string>();
    return Status();
  }
  if (!p->is_array()) return fail("prompt", "'prompt' must be a string or a list of token ids");
  if (p->empty()) return fail("prompt", "'prompt' must not be empty");
  if (p->size() > limits_.max_prompt_tokens) {
    return fail("prompt", "'prompt' has more than " + std::to_string(limits_.max_prompt_tokens) + " tokens");
  }
  for (const Json& id : *p) {
    if (id.is_string() || id.is_array()) {
      return fail("prompt", "'prompt' holds several prompts; send one prompt per request");
    }
    if (!id.is_number_integer() || id.get<int64_t>() < 0 || id.get<int64_t>() > INT32_MAX) {
      return fail("prompt", "'prompt' must be a string or a list of token ids (non-negative integers)");
    }
    out->prompt_tokens.push_back(static_cast<int32_t>(id.get<int64_t>()));
  }
  out->prompt_is_tokens = true;
  return Status();
}

Status Parser::parse_sampling(OpenAiRequest* out) {
  SamplingParams& s = out->sampling;
  s.temperature = 1.0f;
  s.top_p = 1.0f;
  s.top_k = 0;
  s.min_p = 0.0f;
  if (const Json* v = field("temperature")) {
    HERD_ASSIGN_OR_RETURN(double t, number(*v, "temperature", 0.0, 2.0));
    s.temperature = static_cast<float>(t);
  }
  if (const Json* v = field("top_p")) {
    HERD_ASSIGN_OR_RETURN(double p, number(*v, "top_p", 0.0, 1.0));
    // top_p 0 keeps only the most likely token: greedy.
    if (p == 0.0) s.temperature = 0.0f;
    s.top_p = p == 0.0 ? 1.0f : static_cast<float>(p);
  }
  if (const Json* v = field("top_k")) {
    HERD_ASSIGN_OR_RETURN(int64_t k, integer(*v, "top_k", -1, INT32_MAX));
    s.top_k = static_cast<int32_t>(k);
  }
  if (const Json* v = field("min_p")) {
    HERD_ASSIGN_OR_RETURN(double p, number(*v, "min_p", 0.0, 1.0));
    s.min_p = static_cast<float>(p);
  }
  if (const Json* v = field("presence_penalty")) {
    HERD_ASSIGN_OR_RETURN(double p, number(*v, "presence_penalty", -2.0, 2.0));
    s.presence_penalty = static_cast<float>(p);
  }
  if (const Json* v = field("frequency_penalty")) {
    HERD_ASSIGN_OR_RETURN(double p, number(*v, "frequency_penalty", -2.0, 2.0));
    s.frequency_penalty = static_cast<float>(p);
  }
  if (const Json* v = field("repeat_penalty")) {
    HERD_ASSIGN_OR_RETURN(double p, number(*v, "repeat_penalty", 0.01, 10.0));
    s.repeat_penalty = static_cast<float>(p);
  }
  if (const Json* v = field("seed")) {
    if (v->is_number_unsigned()) {
      s.seed = v->get<uint64_t>();  // the whole uint64 range, as herd's own seeds
    } else {
      HERD_ASSIGN_OR_RETURN(int64_t seed, integer(*v, "seed", INT64_MIN, INT64_MAX));
      s.seed = static_cast<uint64_t>(seed);  // negative seeds wrap: still one seed each
    }
    out->seed_given = true;
  } else {
    s.seed = (static_cast<uint64_t>(std::random_device{}()) << 32) | std::random_device{}();
  }
  if (const Json* v = field("ignore_eos")) {
    HERD_ASSIGN_OR_RETURN(out->ignore_eos, boolean(*v, "ignore_eos"));
  }
  Status valid = validate(s);
  if (!valid.ok()) return fail("", valid.message());
  return Status();
}

Status Parser::parse_lengths(OpenAiRequest* out) {
  // max_completion_tokens is the newer name; it wins when both are given.
  for (const char* name : {"max_tokens", "max_completion_tokens"}) {
    if (const Json* v = field(name)) {
      HERD_ASSIGN_OR_RETURN(int64_t m, integer(*v, name, 1, limits_.max_tokens));
      out->max_tokens = static_cast<int32_t>(m);
    }
  }
  if (const Json* v = field("n")) {
    HERD_ASSIGN_OR_RETURN(int64_t n, integer(*v, "n", 1, limits_.max_n));
    out->n = static_cast<int32_t>(n);
  }
  if (const Json* v = field("best_of")) {
    HERD_ASSIGN_OR_RETURN(int64_t b, integer(*v, "best_of", 1, limits_.max_n));
    if (b != out->n) return fail("best_of", "'best_of' is not supported (it must equal 'n')");
  }
  return Status();
}

Status Parser::parse_stop(OpenAiRequest* out) {
  const Json* stop = field("stop");
  if (stop == nullptr) return Status();
  if (stop->is_string()) {
    if (!stop->get<std::string>().empty()) out->stop.push_back(stop->get<std::string>());
    return Status();
  }
  if (!stop->is_array()) return fail("stop", "'stop' must be a string or a list of strings");
  if (stop->size() > static_cast<size_t>(limits_.max_stop)) {
    return fail("stop", "'stop' has more than " + std::to_string(limits_.max_stop) + " strings");
  }
  for (const Json& s : *stop) {
    if (!s.is_string()) return fail("stop", "'stop' must be a string or a list of strings");
    if (!s.get<std::string>().empty()) out->stop.push_back(s.get<std::string>());
  }
  return Status();
}

Status Parser::parse_logprobs(OpenAiRequest* out) {
  const Json* logprobs = field("logprobs");
  const Json* top = field("top_logprobs");
  if (out->endpoint == Endpoint::kCompletions) {
    // The legacy API: logprobs is the number of alternatives, at most 5.
    if (logprobs != nullptr) {
      HERD_ASSIGN_OR_RETURN(int64_t k, integer(*logprobs, "logprobs", 0, std::min(5, limits_.max_top_logprobs)));
      out->top_logprobs = static_cast<int32_t>(k);
    }
    return Status();
  }
  bool on = false;
  if (logprobs != nullptr) {
    HERD_ASSIGN_OR_RETURN(on, boolean(*logprobs, "logprobs"));
  }
  if (top != nullptr) {
    HERD_ASSIGN_OR_RETURN(int64_t k, integer(*top, "top_logprobs", 0, limits_.max_top_logprobs));
    if (!on) return fail("top_logprobs", "'top_logprobs' needs 'logprobs' set to true");
    out->top_logprobs = static_cast<int32_t>(k);
  } else if (on) {
    out->top_logprobs = 0;
  }
  return Status();
}

Status Parser::parse_stream(OpenAiRequest* out) {
  if (const Json* v = field("stream")) {
    HERD_ASSIGN_OR_RETURN(out->stream, boolean(*v, "stream"));
  }
  if (const Json* opts = field("stream_options")) {
    if (!out->stream) return fail("stream_options", "'stream_options' is only allowed when 'stream' is true");
    if (!opts->is_object()) return fail("stream_options", "'stream_options' must be an object");
    auto usage = opts->find("include_usage");
    if (usage != opts->end() && !usage->is_null()) {
      HERD_ASSIGN_OR_RETURN(out->include_usage, boolean(*usage, "stream_options.include_usage"));
    }
  }
  if (const Json* v = field("user")) {
    HERD_ASSIGN_OR_RETURN(out->user, string(*v, "user"));
  }
  return Status();
}

Status Parser::refuse_unsupported(Endpoint endpoint) {
  auto non_empty = [this](const char* name) {
    const Json* v = field(name);
    return v != nullptr && !(v->is_array() && v->empty()) && !(v->is_object() && v->empty());
  };
  if (non_empty("functions")) return fail("functions", "'functions' (deprecated by OpenAI) is not supported: send 'tools'");
  if (endpoint == Endpoint::kCompletions && non_empty("tools")) return fail("tools", "'tools' needs /v1/chat/completions");
  if (endpoint == Endpoint::kCompletions) {
    if (const Json* v = field("echo"); v != nullptr && *v != false) return fail("echo", "'echo' is not supported");
    if (const Json* v = field("suffix"); v != nullptr && *v != "") return fail("suffix", "'suffix' is not supported");
  }
  return Status();
}

Status Parser::parse(Endpoint endpoint, const ModelResolver& resolve_model, OpenAiRequest* out) {
  out->endpoint = endpoint;
  HERD_RETURN_IF_ERROR(parse_model(resolve_model, out));
  HERD_RETURN_IF_ERROR(parse_keep_alive(out));
  HERD_RETURN_IF_ERROR(endpoint == Endpoint::kChatCompletions ? parse_messages(out) : parse_prompt(out));
  HERD_RETURN_IF_ERROR(refuse_unsupported(endpoint));
  HERD_RETURN_IF_ERROR(parse_sampling(out));
  HERD_RETURN_IF_ERROR(parse_lengths(out));
  HERD_RETURN_IF_ERROR(parse_stop(out));
  HERD_RETURN_IF_ERROR(parse_logprobs(out));
  HERD_RETURN_IF_ERROR(parse_stream(out));
  HERD_RETURN_IF_ERROR(parse_constraints(out));
  return Status();
}

Status Parser::parse_constraints(OpenAiRequest* out) {
  std::string param;
  Result<OutputConstraint> constraint = parse_output_constraint(body_, &param);
  if (!constraint.ok()) return fail(param, constraint.status().message());
  out->constraint = std::move(constraint).value();
  if (out->endpoint == Endpoint::kChatCompletions) {
    Result<ToolsRequest> tools = parse_tools_request(body_, &param);
    if (!tools.ok()) return fail(param, tools.status().message());
    out->tools = std::move(tools).value();
    const bool forced = out->tools.choice.mode == ToolChoice::Mode::kRequired ||
                        out->tools.choice.mode == ToolChoice::Mode::kNamed;
    if (forced && out->constraint.kind != OutputConstraint::Kind::kNone) {
      return fail("tool_choice", "a required tool call and '" + out->constraint.param + "' cannot be used together");
    }
  }
  if (const Json* v = field("logit_bias")) {
    Result<std::vector<std::pair<int32_t, float>>> bias = parse_logit_bias(*v);
    if (!bias.ok()) return fail("logit_bias", bias.status().message());
    out->sampling.logit_bias = std::move(bias).value();
  }
  return Status();
}

}  // namespace

Result<OpenAiRequest> parse_openai_request(std::string_view body, Endpoint endpoint, const RequestLimits& limits,
                                           const ModelResolver& resolve_model, std::string* error_param) {
  if (error_param != nullptr) error_param->clear();
  HERD_ASSIGN_OR_RETURN(Json json, parse_json_object<Json>(body));
  OpenAiRequest out;
  Parser parser(json, limits, error_param);
  HERD_RETURN_IF_ERROR(parser.parse(endpoint, resolve_model, &out));
  return out;
}

Result<OpenAiRequest> parse_openai_request(std::string_view body, Endpoint endpoint, const RequestLimits& limits,
                                           std::span<const std::string> model_names, std::string* error_param) {
  // An absent model means the served one; no defaults.
  const ModelResolver resolve = [model_names](const std::string& name) -> std::optional<nlohmann::json> {
    if (name.empty() || std::find(model_names.begin(), model_names.end(), name) != model_names.end()) {
      return nlohmann::json::object();
    }
    return std::nullopt;
  };
  return parse_openai_request(body, endpoint, limits, resolve, error_param);
}

}  // namespace herd::server
