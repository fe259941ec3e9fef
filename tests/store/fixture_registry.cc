#include "fixture_registry.h"

#include <fstream>
#include <sstream>

#include "../support/shared_data.h"
#include "store/digest.h"

namespace herd::testing {
namespace {

FixtureBlob blob_of(std::string bytes) {
  FixtureBlob b;
  b.hex = store::sha256_of(bytes).hex();
  b.bytes = std::move(bytes);
  return b;
}

std::string read_model(const std::string& name) {
  std::ifstream in(shared_dir() / "models" / name, std::ios::binary);
  std::stringstream ss;
  ss << in.rdbuf();
  return ss.str();
}

std::string descriptor(const std::string& media_type, const FixtureBlob& b) {
  return R"({"mediaType":")" + media_type + R"(","digest":"sha256:)" + b.hex + R"(","size":)" +
         std::to_string(b.bytes.size()) + "}";
}

std::string tree_entry(const std::string& path, const FixtureBlob& b, bool lfs) {
  std::string e = R"({"type":"file","path":")" + path + R"(","size":)" + std::to_string(b.bytes.size()) +
                  R"(,"oid":"0123456789abcdef0123456789abcdef01234567")";
  if (lfs) e += R"(,"lfs":{"oid":")" + b.hex + R"(","size":)" + std::to_string(b.bytes.size()) + "}";
  return e + "}";
}

}  // namespace

std::optional<std::pair<size_t, size_t>> parse_range_header(const std::string& value, size_t size) {
  if (value.rfind("bytes=", 0) != 0) return std::nullopt;
  const std::string spec = value.substr(6);
  const size_t dash = spec.find('-');
  if (dash == std::string::npos || dash == 0) return std::nullopt;
  const size_t first = std::stoull(spec.substr(0, dash));
  size_t last = size == 0 ? 0 : size - 1;
  if (dash + 1 < spec.size()) last = std::min<size_t>(last, std::stoull(spec.substr(dash + 1)));
  return std::make_pair(first, last);
}

FixtureRegistry::FixtureRegistry() {
  stories_ = blob_of(read_model("stories260K.gguf"));
  tiny_ = blob_of(read_model("llama-2-tiny-random.gguf"));
  mmproj_ = blob_of(read_model("mmproj-tinygemma3.gguf"));
  config_ = blob_of(
      R"({"model_format":"gguf","model_family":"llama","file_type":"F32","rootfs":{"type":"layers","diff_ids":["sha256:)" +
      stories_.hex + R"("]}})");
  manifest_ = R"({"schemaVersion":2,"mediaType":"application/vnd.docker.distribution.manifest.v2+json","config":)" +
              descriptor("application/vnd.docker.container.image.v1+json", config_) + R"(,"layers":[)" +
              descriptor("application/vnd.ollama.image.model", stories_) + "]}";
  for (const FixtureBlob* b : {&stories_, &tiny_, &config_, &mmproj_}) by_hex_[b->hex] = b;
  server_ = std::make_unique<FixtureServer>([this](const FixtureRequest& req) { return handle(req); });
}

void FixtureRegistry::set_fault(Fault fault) {
  std::lock_guard<std::mutex> lock(mu_);
  fault_ = std::move(fault);
}

void FixtureRegistry::require_token(const std::string& token) {
  std::lock_guard<std::mutex> lock(mu_);
  token_ = token;
}

FixtureReply FixtureRegistry::serve_blob(const FixtureRequest& req, const std::string& bytes) const {
  FixtureReply r;
  r.headers.emplace_back("Accept-Ranges", "bytes");
  const std::string range = req.header("range");
  if (range.empty()) {
    r.body = bytes;
    return r;
  }
  const auto span = parse_range_header(range, bytes.size());
  if (!span || span->first >= bytes.size() || span->second < span->first) {
    r.status = 416;
    r.headers.emplace_back("Content-Range", "bytes */" + std::to_string(bytes.size()));
    return r;
  }
  r.status = 206;
  r.headers.emplace_back("Content-Range", "bytes " + std::to_string(span->first) + "-" +
                                              std::to_string(span->second) + "/" + std::to_string(bytes.size()));
  r.body = bytes.substr(span->first, span->second - span->first + 1);
  return r;
}

FixtureReply FixtureRegistry::handle(const FixtureRequest& req) {
  FixtureReply r;
  r.status = 404;
  r.body = R"({"errors":[{"code":"NOT_FOUND"}]})";
  const std::string& t = req.target;
  std::string token;
  {
    std::lock_guard<std::mutex> lock(mu_);
    token = token_;
  }
  const bool hf = t.rfind("/api/models/", 0) == 0 || t.rfind("/test/", 0) == 0;
  if (hf && !token.empty() && req.header("authorization") != "Bearer " + token) {
    r.status = 401;
    r.body = "no token";
  } else if (t == "/v2/library/stories260K/manifests/latest") {
    r.status = 200;
    r.headers.emplace_back("Content-Type", "application/vnd.docker.distribution.manifest.v2+json");
    r.body = manifest_;
  } else if (t.rfind("/v2/library/stories260K/blobs/sha256:", 0) == 0 || t.rfind("/cdn/", 0) == 0) {
    const char before_hex = t.rfind("/cdn/", 0) == 0 ? '/' : ':';
    const auto it = by_hex_.find(t.substr(t.rfind(before_hex) + 1));
    if (it != by_hex_.end()) r = serve_blob(req, it->second->bytes);
  } else if (t == "/api/models/test/stories/tree/main?recursive=true") {
    r.status = 200;
    r.headers.emplace_back("Content-Type", "application/json");
    r.body = "[" + tree_entry("README.md", config_, false) + "," + tree_entry("stories-F32.gguf", tiny_, true) + "," +
             tree_entry("mmproj-stories.gguf", mmproj_, true) + "," + tree_entry("stories-Q8_0.gguf", stories_, true) +
             R"(,{"type":"directory","path":"sub","size":0,"oid":"x"}])";
  } else if (t.rfind("/test/stories/resolve/main/", 0) == 0) {
    const std::string file = t.substr(std::string("/test/stories/resolve/main/").size());
    const FixtureBlob* b = file == "stories-Q8_0.gguf" ? &stories_
                           : file == "stories-F32.gguf" ? &tiny_
                           : file == "mmproj-stories.gguf" ? &mmproj_
                                                            : nullptr;
    if (b != nullptr) {
      r = FixtureReply{};
      r.status = 302;
      r.headers.emplace_back("Location", "/cdn/" + b->hex);
      r.headers.emplace_back("X-Linked-Etag", "\"" + b->hex + "\"");
      r.headers.emplace_back("X-Linked-Size", std::to_string(b->bytes.size()));
    }
  } else if (t == "/files/stories260K.gguf") {
    r = serve_blob(req, stories_.bytes);
  } else if (t == "/files/tiny.gguf") {
    r = serve_blob(req, tiny_.bytes);
  }
  Fault fault;
  {
    std::lock_guard<std::mutex> lock(mu_);
    fault = fault_;
  }
  if (fault) fault(req, r);
  return r;
}

}  // namespace herd::testing
