#include "chat/tool_call_reader.h"

namespace herd::chat {

ReadResult ClosedBlockReader::advance(std::string_view block, bool at_end) {
  const size_t close = block.find(close_tag_, search_from_);
  if (close == std::string_view::npos && !at_end) {
    // The tag may have begun at the end; look again from there.
    search_from_ = block.size() >= close_tag_.size() ? block.size() - close_tag_.size() + 1 : 0;
    return {};
  }
  const std::string_view body = close == std::string_view::npos ? block : block.substr(0, close);
  const size_t consumed = close == std::string_view::npos ? block.size() : close + close_tag_.size();
  Result<std::vector<ParsedCall>> calls = parse(body);
  if (!calls.ok()) return {ReadResult::Kind::kBroken, consumed, {}};
  return {ReadResult::Kind::kComplete, consumed, std::move(calls).value()};
}

}  // namespace herd::chat
