#include "chat/output_text_scan.h"

#include <algorithm>

namespace herd::chat {

MarkerMatch find_first_marker(std::string_view text, const std::vector<std::string>& markers) {
  MarkerMatch best;
  for (size_t i = 0; i < markers.size(); ++i) {
    if (markers[i].empty()) continue;
    const size_t pos = text.find(markers[i]);
    if (pos == std::string_view::npos) continue;
    if (pos < best.pos || (pos == best.pos && markers[i].size() > markers[best.index].size())) {
      best.pos = pos;
      best.index = i;
    }
  }
  return best;
}

size_t partial_marker_suffix(std::string_view text, const std::vector<std::string>& markers) {
  size_t longest = 0;
  for (const std::string& marker : markers) {
    const size_t max_len = std::min(marker.size() - (marker.empty() ? 0 : 1), text.size());
    for (size_t len = max_len; len > longest; --len) {
      if (text.substr(text.size() - len) == std::string_view(marker).substr(0, len)) {
        longest = len;
        break;
      }
    }
  }
  return longest;
}

size_t skip_json_space(std::string_view text, size_t from) {
  while (from < text.size() && is_json_space(text[from])) ++from;
  return from;
}

}  // namespace herd::chat
