// Ids for the tool calls a model does not name itself: "call_" + 24 alphanumerics, as OpenAI
// writes them, from a seeded generator (the same seed gives the same ids, so a request's
// output parses the same however it was split).
#pragma once

#include <cstdint>
#include <random>
#include <string>

namespace herd::chat {

class ToolCallIds {
 public:
  explicit ToolCallIds(uint64_t seed) : engine_(seed) {}
  std::string next();

 private:
  std::mt19937_64 engine_;
};

}  // namespace herd::chat
