// How a handler answers: one whole response, or a stream (chunked on HTTP/1.1, until
// close on HTTP/1.0) written piece by piece from the handler's thread. Writes block
// while the client's socket is full, at most the server's write stall timeout. Every
// response carries x-request-id; Connection: close when the connection ends after it.
#pragma once

#include <atomic>
#include <chrono>
#include <cstdint>
#include <memory>
#include <string>
#include <string_view>

#include "http/request.h"
#include "http/response.h"

namespace herd::http {

struct Connection;

// What a handler tells the access log about its request (never bodies).
struct AccessNote {
  std::string model;
  int64_t prompt_tokens = -1;      // < 0: not applicable
  int64_t completion_tokens = -1;
  double ttft_s = -1.0;            // time to first token; < 0: none
  std::string key;                 // the name of the caller's API key (never the key)
};

class ResponseWriter {
 public:
  ResponseWriter(std::shared_ptr<Connection> connection, const Request& request, Headers extra_headers,
                 const std::atomic<bool>* closing, std::chrono::milliseconds write_stall,
                 std::chrono::milliseconds idle_timeout);

  // The whole response. False when the client is gone (the connection then closes).
  bool send(Response response);

  // A streamed response: the head now, then write() pieces, then end_stream().
  bool start_stream(int status, Headers headers);
  // The same with a known length (Content-Length, no chunking), e.g. a file: write()
  // refuses more than `content_length` bytes, and an end_stream() short of it closes
  // the connection, since the client would otherwise read the next response as body.
  bool start_sized(int status, Headers headers, uint64_t content_length);
  bool write(std::string_view data);
  bool end_stream();

  // The client closed or reset the connection, or a write to it failed.
  bool client_gone() const;

  bool started() const { return started_; }
  bool finished() const { return finished_; }
  int status() const { return status_; }
  uint64_t bytes_sent() const { return bytes_; }
  // Whether the connection may serve another request after this response.
  bool keep_alive() const;

  AccessNote& note() { return note_; }
  const AccessNote& note() const { return note_; }

 private:
  Headers head_headers(Headers headers);
  bool write_raw(std::string_view data);

  std::shared_ptr<Connection> conn_;
  const Request& request_;
  Headers extra_;
  const std::atomic<bool>* closing_;
  bool close_after_;
  std::chrono::milliseconds stall_;
  std::chrono::milliseconds idle_;
  bool started_ = false;
  bool finished_ = false;
  bool chunked_ = false;
  bool sized_ = false;
  uint64_t sized_left_ = 0;  // bytes still owed after start_sized
  int status_ = 0;
  uint64_t bytes_ = 0;
  AccessNote note_;
};

}  // namespace herd::http
