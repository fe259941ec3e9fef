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

size_t complete_utf8_prefix(std::string_view text) {
  const size_t n = text.size();
  for (size_t back = 1; back <= 3 && back <= n; ++back) {
    const auto c = static_cast<unsigned char>(text[n - back]);
    if ((c & 0xC0) == 0x80) continue;  // a continuation byte: look further back for the lead
    size_t need = 1;
    if (c >= 0xC0 && c < 0xE0)
      need = 2;
    else if (c >= 0xE0 && c < 0xF0)
      need = 3;
    else if (c >= 0xF0 && c < 0xF8)
      need = 4;
    return need > back ? n - back : n;
  }
  return n;
}

size_t skip_json_space(std::string_view text, size_t from) {
  while (from < text.size() && is_json_space(text[from])) ++from;
  return from;
}

}  // namespace herd::chat
