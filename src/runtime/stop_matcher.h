// Stop strings over streamed text. Text arrives in pieces; a stop string may straddle
// pieces. The matcher hands out only text that can no longer be the start of a stop
// string, and cuts the text right before the first stop string that appears.
#pragma once

#include <string>
#include <string_view>
#include <vector>

namespace herd {

class StopMatcher {
 public:
  explicit StopMatcher(std::vector<std::string> stops);

  // Adds a piece; returns the text now safe to show. After a stop string is found,
  // stopped() is true and everything from the stop string on is dropped.
  std::string push(std::string_view piece);
  // The end of the text: what was held back is safe now (unless stopped).
  std::string flush();

  bool stopped() const { return stopped_; }

 private:
  std::vector<std::string> stops_;  // non-empty strings only
  std::string held_;                // tail that may still grow into a stop string
  bool stopped_ = false;
};

}  // namespace herd
