#include "chat/output_text_scan.h"

#include <gtest/gtest.h>

namespace herd::chat {
namespace {

TEST(OutputTextScan, FirstMarkerIsTheEarliest) {
  const std::vector<std::string> markers = {"<tool_call>", "<think>"};
  const MarkerMatch m = find_first_marker("a <think> b <tool_call>", markers);
  EXPECT_EQ(m.pos, 2u);
  EXPECT_EQ(m.index, 1u);
  EXPECT_EQ(find_first_marker("no markers", markers).pos, std::string_view::npos);
}

TEST(OutputTextScan, PartialMarkerSuffixIsTheLongestPossibleStart) {
  const std::vector<std::string> markers = {"<tool_call>", "</think>"};
  EXPECT_EQ(partial_marker_suffix("abc <tool_ca", markers), 8u);
  EXPECT_EQ(partial_marker_suffix("abc </", markers), 2u);
  EXPECT_EQ(partial_marker_suffix("abc <", markers), 1u);
  EXPECT_EQ(partial_marker_suffix("abc <x", markers), 0u);
  EXPECT_EQ(partial_marker_suffix("<tool_call>", markers), 0u);  // a whole marker is not held
  EXPECT_EQ(partial_marker_suffix("", markers), 0u);
}

}  // namespace
}  // namespace herd::chat
