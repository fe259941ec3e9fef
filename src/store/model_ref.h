// Model names: [scheme://][host[:port]/][namespace/]model[:tag] (see docs/STORE.md). Every
// part is checked before it can become part of a path.
#pragma once

#include <string>
#include <string_view>

#include "base/status.h"

namespace herd::store {

inline constexpr std::string_view kDefaultHost = "registry.ollama.ai";
inline constexpr std::string_view kDefaultNamespace = "library";
inline constexpr std::string_view kDefaultTag = "latest";
inline constexpr std::string_view kHuggingFaceHost = "hf.co";

struct ModelRef {
  std::string scheme = "https";  // "https" or "http"
  std::string host = std::string(kDefaultHost);  // with ":port" when one was given
  std::string ns = std::string(kDefaultNamespace);
  std::string model;
  std::string tag = std::string(kDefaultTag);

  // kInvalidArgument naming the bad part. Accepts "hf.co/USER/REPO[:QUANT]",
  // "huggingface.co/..." (host normalised to hf.co).
  static Result<ModelRef> parse(std::string_view name);

  bool is_hugging_face() const { return host == kHuggingFaceHost; }
  // host/namespace/model:tag
  std::string full_name() const;
  // Defaults left out: "stories260K", "me/tiny:q8", "hf.co/user/repo:Q4_0".
  std::string short_name() const;
  // manifests/<host>/<ns>/<model>/<tag>, relative to the store's models/ directory.
  std::string manifest_relative_path() const;

  bool operator==(const ModelRef&) const = default;
};

// The single-part checks, exposed for the registry server's routes.
bool valid_name_part(std::string_view part);  // namespace or model
bool valid_tag(std::string_view tag);
bool valid_host(std::string_view host);       // host[:port]

}  // namespace herd::store
