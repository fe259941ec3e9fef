// Incremental parser for a text/event-stream body: bytes arrive in arbitrary
// pieces; each complete event's `data:` payload is handed to a callback.
#pragma once

#include <functional>
#include <string>
#include <string_view>

namespace herd::load {

class SseParser {
 public:
  using OnData = std::function<void(std::string_view data)>;
  explicit SseParser(OnData on_data) : on_data_(std::move(on_data)) {}

  // Feeds the next piece of the body; complete events are dispatched at once.
  void feed(std::string_view bytes);
  // Dispatches an event left open when the stream ended without a blank line.
  void finish();

 private:
  void take_line(std::string_view line);
  void dispatch();

  OnData on_data_;
  std::string pending_;  // bytes after the last newline
  std::string data_;     // data lines of the event being read, joined by '\n'
  bool has_data_ = false;
};

}  // namespace herd::load
