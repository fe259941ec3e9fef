#include "chat/tool_call_id.h"

namespace herd::chat {

std::string ToolCallIds::next() {
  static constexpr char kAlphabet[] = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789";
  std::string id = "call_";
  for (int i = 0; i < 24; ++i) id += kAlphabet[engine_() % 62];
  return id;
}

}  // namespace herd::chat
