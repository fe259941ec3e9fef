// One streaming OpenAI request (completions or chat): sends the body, reads the
// SSE stream, and times the arrival of every chunk that carries generated text.
#pragma once

#include <string>
#include <vector>

namespace herd::load {

struct StreamResult {
  bool ok = false;
  std::string error;            // why it failed; empty when ok
  double ttft_ms = -1;          // send -> first chunk with text
  std::vector<double> gaps_ms;  // between consecutive chunks with text
  int text_chunks = 0;
  int completion_tokens = -1;   // from `usage` when the server sends it
  int prompt_tokens = -1;
  int cached_tokens = -1;       // usage.prompt_tokens_details.cached_tokens
  std::string finish_reason;
  double total_ms = 0;

  // Generated tokens: the server's count when it gave one, else text chunks.
  int tokens() const { return completion_tokens >= 0 ? completion_tokens : text_chunks; }
};

struct StreamTarget {
  std::string url;   // scheme://host:port
  std::string path;  // /v1/completions or /v1/chat/completions
  double timeout_s = 300;
  std::string api_key;  // sent as a bearer token when set
};

StreamResult run_stream(const StreamTarget& target, const std::string& json_body);

}  // namespace herd::load
