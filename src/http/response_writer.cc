#include "http/response_writer.h"

#include <algorithm>
#include <cstdint>
#include <utility>

#include "http/connection.h"
#include "http/socket.h"

namespace herd::http {
namespace {

void to_hex(size_t n, std::string* out) {
  char buf[24];
  int i = 0;
  do {
    buf[i++] = "0123456789abcdef"[n % 16];
    n /= 16;
  } while (n > 0);
  while (i > 0) out->push_back(buf[--i]);
}

}  // namespace

ResponseWriter::ResponseWriter(std::shared_ptr<Connection> connection, const Request& request, Headers extra_headers,
                               const std::atomic<bool>* closing, std::chrono::milliseconds write_stall,
                               std::chrono::milliseconds idle_timeout)
    : conn_(std::move(connection)),
      request_(request),
      extra_(std::move(extra_headers)),
      closing_(closing),
      close_after_(!request.keep_alive),
      stall_(write_stall),
      idle_(idle_timeout) {}

Headers ResponseWriter::head_headers(Headers headers) {
  if (closing_ != nullptr && closing_->load()) close_after_ = true;
  for (auto& h : extra_) headers.push_back(h);
  if (!request_.id.empty()) headers.emplace_back("x-request-id", request_.id);
  if (close_after_) {
    headers.emplace_back("Connection", "close");
  } else {
    // Clients that know how long an idle connection lives stop reusing it in time.
    headers.emplace_back("Keep-Alive", "timeout=" + std::to_string(std::max<int64_t>(1, idle_.count() / 1000)));
  }
  return headers;
}

bool ResponseWriter::write_raw(std::string_view data) {
  if (conn_->broken.load()) return false;
  if (!send_all(conn_->fd, data, stall_)) {
    conn_->broken.store(true);
    return false;
  }
  bytes_ += data.size();
  return true;
}

bool ResponseWriter::send(Response response) {
  if (started_) return false;
  started_ = true;
  finished_ = true;
  status_ = response.status;
  // 204 and 304 have no body and must not say how long it is (RFC 9110 8.6).
  const bool no_body = response.status == 204 || response.status == 304;
  if (!no_body) response.headers.emplace_back("Content-Length", std::to_string(response.body.size()));
  std::string out = response_head(request_.minor_version, response.status, head_headers(std::move(response.headers)));
  if (request_.method != "HEAD" && !no_body) out += response.body;
  return write_raw(out);
}

bool ResponseWriter::start_stream(int status, Headers headers) {
  if (started_) return false;
  started_ = true;
  status_ = status;
  // HTTP/1.0 has no chunked encoding: the body runs until the connection closes.
  chunked_ = request_.minor_version == 1;
  if (chunked_) {
    headers.emplace_back("Transfer-Encoding", "chunked");
  } else {
    close_after_ = true;
  }
  return write_raw(response_head(request_.minor_version, status, head_headers(std::move(headers))));
}

bool ResponseWriter::start_sized(int status, Headers headers, uint64_t content_length) {
  if (started_) return false;
  started_ = true;
  status_ = status;
  sized_ = true;
  sized_left_ = content_length;
  headers.emplace_back("Content-Length", std::to_string(content_length));
  return write_raw(response_head(request_.minor_version, status, head_headers(std::move(headers))));
}

bool ResponseWriter::write(std::string_view data) {
  if (!started_ || finished_) return false;
  if (data.empty() || request_.method == "HEAD") return true;
  if (sized_) {
    if (data.size() > sized_left_) {
      conn_->broken.store(true);
      return false;
    }
    sized_left_ -= data.size();
  }
  if (!chunked_) return write_raw(data);
  std::string frame;
  frame.reserve(data.size() + 24);
  to_hex(data.size(), &frame);
  frame += "\r\n";
  frame += data;
  frame += "\r\n";
  return write_raw(frame);
}

bool ResponseWriter::end_stream() {
  if (!started_ || finished_) return false;
  finished_ = true;
  if (sized_ && sized_left_ > 0 && request_.method != "HEAD") {
    conn_->broken.store(true);
    return false;
  }
  return chunked_ && request_.method != "HEAD" ? write_raw("0\r\n\r\n") : true;
}

bool ResponseWriter::client_gone() const { return conn_->broken.load() || peer_gone(conn_->fd); }

bool ResponseWriter::keep_alive() const { return finished_ && !close_after_ && !conn_->broken.load(); }

}  // namespace herd::http
