// The fixture server speaking the protocols herd pulls from, with the shared test models:
//   Ollama registry: library/stories260K:latest (config + model layer), blobs by digest;
//   Hugging Face: repo test/stories with stories-Q8_0.gguf (stories260K), stories-F32.gguf
//   (llama-2-tiny-random), mmproj-stories.gguf and README.md; resolve/main/FILE redirects to
//   /cdn/<sha256> with an X-Linked-Etag, as huggingface.co does;
//   /files/<name>.gguf: plain files, no etag.
// Blob bodies honour Range (206 / 416). A test's fault hook may rewrite any reply.
#pragma once

#include <functional>
#include <map>
#include <memory>
#include <mutex>
#include <optional>
#include <string>

#include "fixture_server.h"

namespace herd::testing {

struct FixtureBlob {
  std::string bytes;
  std::string hex;  // sha256
};

class FixtureRegistry {
 public:
  using Fault = std::function<void(const FixtureRequest&, FixtureReply&)>;

  FixtureRegistry();
  FixtureServer& server() { return *server_; }
  std::string url(const std::string& host = "127.0.0.1") const { return server_->url(host); }

  const FixtureBlob& stories() const { return stories_; }  // stories260K.gguf
  const FixtureBlob& tiny() const { return tiny_; }        // llama-2-tiny-random.gguf
  const FixtureBlob& config() const { return config_; }    // stories260K's config blob
  const std::string& manifest() const { return manifest_; }
  std::string blob_path(const std::string& hex) const { return "/v2/library/stories260K/blobs/sha256:" + hex; }

  // Runs on every reply before it is sent (nullptr: none).
  void set_fault(Fault fault);
  // HF requests must carry this bearer token (empty: no check).
  void require_token(const std::string& token);

 private:
  FixtureReply handle(const FixtureRequest& req);
  FixtureReply serve_blob(const FixtureRequest& req, const std::string& bytes) const;

  FixtureBlob stories_, tiny_, config_, mmproj_;
  std::string manifest_;
  std::map<std::string, const FixtureBlob*> by_hex_;
  std::mutex mu_;
  Fault fault_;
  std::string token_;
  std::unique_ptr<FixtureServer> server_;
};

// A range of `bytes` for a "Range: bytes=a-[b]" header (nullopt: none or malformed).
std::optional<std::pair<size_t, size_t>> parse_range_header(const std::string& value, size_t size);

}  // namespace herd::testing
