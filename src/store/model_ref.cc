#include "store/model_ref.h"

#include <cctype>
#include <vector>

namespace herd::store {
namespace {

constexpr size_t kMaxPart = 128;

bool name_char(char c) {
  return std::isalnum(static_cast<unsigned char>(c)) || c == '.' || c == '_' || c == '-';
}

std::string shown(std::string_view text) {
  std::string s(text.substr(0, 80));
  for (char& c : s) {
    if (static_cast<unsigned char>(c) < 0x20 || c == 0x7f) c = '?';
  }
  return text.size() > 80 ? s + "..." : s;
}

std::vector<std::string_view> split(std::string_view s, char sep) {
  std::vector<std::string_view> parts;
  size_t start = 0;
  for (;;) {
    const size_t at = s.find(sep, start);
    parts.push_back(s.substr(start, at == std::string_view::npos ? std::string_view::npos : at - start));
    if (at == std::string_view::npos) return parts;
    start = at + 1;
  }
}

// Docker's rule: a first part with '.' or ':' or "localhost" names a host.
bool looks_like_host(std::string_view part) {
  return part.find('.') != std::string_view::npos || part.find(':') != std::string_view::npos || part == "localhost";
}

}  // namespace

bool valid_name_part(std::string_view part) {
  if (part.empty() || part.size() > kMaxPart) return false;
  if (!std::isalnum(static_cast<unsigned char>(part[0]))) return false;
  for (char c : part) {
    if (!name_char(c)) return false;
  }
  return part.find("..") == std::string_view::npos;
}

bool valid_tag(std::string_view tag) {
  if (tag.empty() || tag.size() > kMaxPart) return false;
  if (!std::isalnum(static_cast<unsigned char>(tag[0])) && tag[0] != '_') return false;
  for (char c : tag) {
    if (!name_char(c)) return false;
  }
  return tag.find("..") == std::string_view::npos;
}

bool valid_host(std::string_view host) {
  std::string_view name = host;
  const size_t colon = host.find(':');
  if (colon != std::string_view::npos) {
    name = host.substr(0, colon);
    const std::string_view port = host.substr(colon + 1);
    if (port.empty() || port.size() > 5) return false;
    unsigned value = 0;
    for (char c : port) {
      if (!std::isdigit(static_cast<unsigned char>(c))) return false;
      value = value * 10 + static_cast<unsigned>(c - '0');
    }
    if (value == 0 || value > 65535) return false;
  }
  if (name.empty() || name.size() > 253 || name.front() == '.' || name.front() == '-') return false;
  for (char c : name) {
    if (!std::isalnum(static_cast<unsigned char>(c)) && c != '.' && c != '-') return false;
  }
  return name.find("..") == std::string_view::npos;
}

Result<ModelRef> ModelRef::parse(std::string_view name) {
  const std::string bad = "model name \"" + shown(name) + "\": ";
  if (name.empty()) return invalid_argument("model name is empty");
  if (name.size() > 600) return invalid_argument(bad + "too long");
  ModelRef ref;
  std::string_view rest = name;
  const size_t scheme_end = rest.find("://");
  if (scheme_end != std::string_view::npos) {
    const std::string_view scheme = rest.substr(0, scheme_end);
    if (scheme != "http" && scheme != "https") return invalid_argument(bad + "the scheme must be http or https");
    ref.scheme = std::string(scheme);
    rest = rest.substr(scheme_end + 3);
  }
  std::vector<std::string_view> parts = split(rest, '/');
  if (parts.size() > 3) return invalid_argument(bad + "want [host/][namespace/]model[:tag]");
  const bool has_host = parts.size() == 3 || (parts.size() == 2 && looks_like_host(parts[0])) ||
                        scheme_end != std::string_view::npos;
  if (has_host) {
    if (parts.size() < 2) return invalid_argument(bad + "a URL needs a model after the host");
    std::string host(parts[0]);
    for (char& c : host) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
    if (host == "huggingface.co") host = std::string(kHuggingFaceHost);
    if (!valid_host(host)) return invalid_argument(bad + "bad host \"" + shown(parts[0]) + "\"");
    ref.host = host;
    parts.erase(parts.begin());
  }
  if (parts.size() == 2) {
    if (!valid_name_part(parts[0])) return invalid_argument(bad + "bad namespace \"" + shown(parts[0]) + "\"");
    ref.ns = std::string(parts[0]);
    parts.erase(parts.begin());
  } else if (ref.is_hugging_face()) {
    return invalid_argument(bad + "a Hugging Face name is hf.co/USER/REPO[:QUANT]");
  }
  std::string_view model = parts[0];
  const size_t colon = model.find(':');
  if (colon != std::string_view::npos) {
    const std::string_view tag = model.substr(colon + 1);
    if (!valid_tag(tag)) return invalid_argument(bad + "bad tag \"" + shown(tag) + "\"");
    ref.tag = std::string(tag);
    model = model.substr(0, colon);
  }
  if (!valid_name_part(model)) return invalid_argument(bad + "bad model name \"" + shown(model) + "\"");
  ref.model = std::string(model);
  return ref;
}

std::string ModelRef::full_name() const { return host + "/" + ns + "/" + model + ":" + tag; }

std::string ModelRef::short_name() const {
  std::string s;
  // A namespace that reads as a host ("a.b/m") keeps the host in front, so the short name
  // parses back to this ref.
  if (host != kDefaultHost || (ns != kDefaultNamespace && looks_like_host(ns))) s = host + "/";
  if (!s.empty() || ns != kDefaultNamespace) s += ns + "/";
  s += model;
  if (tag != kDefaultTag) s += ":" + tag;
  return s;
}

std::string ModelRef::manifest_relative_path() const { return "manifests/" + host + "/" + ns + "/" + model + "/" + tag; }

}  // namespace herd::store
