#include "sse_parser.h"

namespace herd::load {

void SseParser::feed(std::string_view bytes) {
  pending_.append(bytes);
  size_t start = 0;
  for (size_t nl = pending_.find('\n', start); nl != std::string::npos;
       nl = pending_.find('\n', start)) {
    std::string_view line(pending_.data() + start, nl - start);
    if (!line.empty() && line.back() == '\r') line.remove_suffix(1);
    take_line(line);
    start = nl + 1;
  }
  pending_.erase(0, start);
}

void SseParser::finish() {
  if (!pending_.empty()) {
    std::string rest;
    rest.swap(pending_);
    take_line(rest);
  }
  dispatch();
}

void SseParser::take_line(std::string_view line) {
  if (line.empty()) {  // a blank line ends the event
    dispatch();
    return;
  }
  constexpr std::string_view kData = "data:";
  if (line.substr(0, kData.size()) != kData) return;  // event:, id:, comments
  line.remove_prefix(kData.size());
  if (!line.empty() && line.front() == ' ') line.remove_prefix(1);
  if (has_data_) data_.push_back('\n');
  data_.append(line);
  has_data_ = true;
}

void SseParser::dispatch() {
  if (!has_data_) return;
  on_data_(data_);
  data_.clear();
  has_data_ = false;
}

}  // namespace herd::load
