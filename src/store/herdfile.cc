#include "store/herdfile.h"

#include <algorithm>
#include <array>
#include <cctype>
#include <charconv>
#include <cmath>

namespace herd::store {
namespace {

using Json = nlohmann::json;

enum class ParamType { kFloat, kInt, kString };

constexpr std::array<std::pair<std::string_view, ParamType>, 14> kParams{{
    {"temperature", ParamType::kFloat},     {"top_p", ParamType::kFloat},
    {"top_k", ParamType::kInt},             {"min_p", ParamType::kFloat},
    {"stop", ParamType::kString},           {"num_ctx", ParamType::kInt},
    {"num_predict", ParamType::kInt},       {"repeat_penalty", ParamType::kFloat},
    {"repeat_last_n", ParamType::kInt},     {"presence_penalty", ParamType::kFloat},
    {"frequency_penalty", ParamType::kFloat}, {"seed", ParamType::kInt},
    {"typical_p", ParamType::kFloat},       {"num_keep", ParamType::kInt},
}};

std::string lower(std::string_view s) {
  std::string out(s);
  for (char& c : out) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  return out;
}

std::string_view trim(std::string_view s) {
  while (!s.empty() && std::isspace(static_cast<unsigned char>(s.front()))) s.remove_prefix(1);
  while (!s.empty() && std::isspace(static_cast<unsigned char>(s.back()))) s.remove_suffix(1);
  return s;
}

// Unquotes "..." (with \" and \\) when the whole value is quoted.
std::string unquote(std::string_view v) {
  if (v.size() >= 2 && v.front() == '"' && v.back() == '"') {
    std::string out;
    for (size_t i = 1; i + 1 < v.size(); ++i) {
      if (v[i] == '\\' && i + 2 < v.size()) ++i;
      out += v[i];
    }
    return out;
  }
  return std::string(v);
}

}  // namespace

Result<Json> parse_parameter_value(std::string_view name, std::string_view value) {
  const auto it = std::find_if(kParams.begin(), kParams.end(), [&](const auto& p) { return p.first == name; });
  if (it == kParams.end()) {
    std::string known;
    for (const auto& p : kParams) known += (known.empty() ? "" : ", ") + std::string(p.first);
    return invalid_argument("unknown parameter \"" + std::string(name.substr(0, 60)) + "\" (known: " + known + ")");
  }
  const std::string text = unquote(trim(value));
  if (it->second == ParamType::kString) {
    if (text.empty()) return invalid_argument("parameter " + std::string(name) + " wants a non-empty string");
    return Json(text);
  }
  if (it->second == ParamType::kInt) {
    int64_t v = 0;
    const auto r = std::from_chars(text.data(), text.data() + text.size(), v);
    if (r.ec != std::errc() || r.ptr != text.data() + text.size()) {
      return invalid_argument("parameter " + std::string(name) + " wants an integer, not \"" + text.substr(0, 40) + "\"");
    }
    return Json(v);
  }
  double v = 0;
  const auto r = std::from_chars(text.data(), text.data() + text.size(), v);
  if (r.ec != std::errc() || r.ptr != text.data() + text.size() || !std::isfinite(v)) {
    return invalid_argument("parameter " + std::string(name) + " wants a number, not \"" + text.substr(0, 40) + "\"");
  }
  return Json(v);
}

Result<Herdfile> Herdfile::parse(std::string_view text) {
  if (text.size() > (size_t{16} << 20)) return invalid_argument("the Herdfile is larger than 16 MiB");
  Herdfile h;
  size_t pos = 0;
  int line_no = 0;
  bool seen_from = false;
  while (pos < text.size()) {
    const size_t eol = std::min(text.find('\n', pos), text.size());
    std::string_view line = trim(text.substr(pos, eol - pos));
    ++line_no;
    const int first_line = line_no;
    pos = eol + 1;
    if (line.empty() || line.front() == '#') continue;
    const size_t space = line.find_first_of(" \t");
    const std::string word = lower(line.substr(0, space));
    std::string_view rest = space == std::string_view::npos ? std::string_view() : trim(line.substr(space));
    const auto fail = [&](const std::string& why) {
      return invalid_argument("Herdfile line " + std::to_string(first_line) + ": " + why);
    };
    // A value opened with """ runs to the next """, across lines.
    std::string value;
    const size_t triple = rest.find("\"\"\"");
    if (triple != std::string_view::npos) {
      const size_t start = static_cast<size_t>(rest.data() - text.data()) + triple + 3;
      const size_t end = text.find("\"\"\"", start);
      if (end == std::string_view::npos) return fail("a \"\"\" quote is never closed");
      const std::string prefix(trim(rest.substr(0, triple)));
      value = prefix.empty() ? std::string(text.substr(start, end - start))
                             : prefix + " " + std::string(text.substr(start, end - start));
      line_no += static_cast<int>(std::count(text.begin() + static_cast<long>(start), text.begin() + static_cast<long>(end), '\n'));
      const size_t after = std::min(text.find('\n', end), text.size());
      if (!trim(text.substr(end + 3, after - end - 3)).empty()) return fail("text after a closing \"\"\"");
      pos = after + 1;
    } else {
      value = std::string(rest);
    }
    if (word == "from") {
      if (seen_from) return fail("FROM given twice");
      seen_from = true;
      h.from = unquote(trim(value));
      if (h.from.empty()) return fail("FROM needs a model name or a file");
    } else if (word == "system") {
      h.system = triple == std::string_view::npos ? unquote(value) : value;
    } else if (word == "template") {
      h.chat_template = triple == std::string_view::npos ? unquote(value) : value;
    } else if (word == "license") {
      h.license = triple == std::string_view::npos ? unquote(value) : value;
    } else if (word == "adapter") {
      h.adapter = unquote(trim(value));
      if (h.adapter->empty()) return fail("ADAPTER needs a file");
    } else if (word == "parameter") {
      const std::string_view v = value;
      const size_t sp = v.find_first_of(" \t");
      if (sp == std::string_view::npos) return fail("PARAMETER needs a name and a value");
      const std::string name = lower(v.substr(0, sp));
      Result<Json> parsed = parse_parameter_value(name, v.substr(sp + 1));
      if (!parsed.ok()) return fail(parsed.status().message());
      if (name == "stop") {
        if (!h.params.contains("stop")) h.params["stop"] = Json::array();
        h.params["stop"].push_back(*parsed);
      } else {
        h.params[name] = *parsed;
      }
    } else if (word == "message") {
      const std::string_view v = value;
      const size_t sp = v.find_first_of(" \t");
      const std::string role = lower(v.substr(0, sp));
      if (role != "system" && role != "user" && role != "assistant") {
        return fail("MESSAGE role must be system, user or assistant");
      }
      const std::string content = sp == std::string_view::npos ? std::string() : std::string(trim(v.substr(sp)));
      h.messages.push_back({role, triple == std::string_view::npos ? unquote(content) : content});
    } else {
      return fail("unknown instruction \"" + word.substr(0, 40) + "\" (FROM, SYSTEM, PARAMETER, TEMPLATE, MESSAGE, ADAPTER, LICENSE)");
    }
  }
  if (!seen_from) return invalid_argument("the Herdfile has no FROM line");
  return h;
}

}  // namespace herd::store
