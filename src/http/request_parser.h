// An incremental, strict HTTP/1.x request parser. Bytes go in as they arrive; the
// parser takes what belongs to the current request and leaves the rest (a pipelined
// next request) in the buffer. Anything ambiguous is refused rather than guessed:
// duplicate or non-numeric Content-Length, Content-Length with Transfer-Encoding,
// folded headers, control bytes, a missing Host in HTTP/1.1, chunk-size lines, chunk
// ends or trailers not ending in CRLF.
#pragma once

#include <cstddef>
#include <cstdint>
#include <string>

#include "http/request.h"

namespace herd::http {

struct ParserLimits {
  size_t max_header_bytes = 16u << 10;  // request line + headers (and chunked trailers): 431
  size_t max_headers = 100;             // header fields: 431
  size_t max_body_bytes = 8u << 20;     // 413, refused from Content-Length before any body
};

class RequestParser {
 public:
  enum class State {
    kIdle,     // no byte of a request yet
    kHeaders,  // reading the request line and headers
    kBody,     // headers done, reading the body
    kComplete,  // take() the request
    kError,    // error_status() says what to answer; the connection must close
  };

  explicit RequestParser(ParserLimits limits) : limits_(limits) {}

  // Consumes from the front of `in` what belongs to the current request; stops at its
  // end (the rest stays in `in`) or on an error. Returns the new state.
  State feed(std::string& in);

  State state() const { return state_; }
  int error_status() const { return error_status_; }
  const std::string& error_message() const { return error_message_; }
  // After the headers: the client waits for "100 Continue" before sending the body.
  bool expects_continue() const { return expect_continue_; }

  // The complete request; the parser is then ready for the next one.
  Request take();

 private:
  State fail(int status, std::string message);
  State parse_head(std::string_view head);
  State parse_request_line(std::string_view line);
  State parse_header_line(std::string_view line, size_t* content_length_count, size_t* te_count);
  State feed_chunked(std::string& in);
  State feed_chunks(const std::string& in, size_t* pos);
  State feed_trailers(const std::string& in, size_t* pos);

  enum class ChunkState { kSize, kData, kDataEnd, kTrailers };

  ParserLimits limits_;
  State state_ = State::kIdle;
  Request req_;
  size_t scanned_ = 0;  // bytes of `in` already searched for the end of the headers
  bool chunked_ = false;
  uint64_t content_length_ = 0;
  bool expect_continue_ = false;
  ChunkState chunk_state_ = ChunkState::kSize;
  uint64_t chunk_left_ = 0;
  size_t trailer_bytes_ = 0;
  int error_status_ = 0;
  std::string error_message_;
};

}  // namespace herd::http
