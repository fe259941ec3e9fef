#include "http/request_parser.h"

#include <algorithm>
#include <utility>

namespace herd::http {
namespace {

constexpr size_t kMaxChunkLine = 1024;

bool is_tchar(char c) {
  if ((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9')) return true;
  for (char t : std::string_view("!#$%&'*+-.^_`|~")) {
    if (c == t) return true;
  }
  return false;
}

bool is_token(std::string_view s) {
  if (s.empty()) return false;
  for (char c : s) {
    if (!is_tchar(c)) return false;
  }
  return true;
}

// Field values: visible characters, spaces, tabs and obs-text; no other control bytes.
bool is_field_value(std::string_view s) {
  for (char c : s) {
    const auto u = static_cast<unsigned char>(c);
    if ((u < 0x20 && c != '\t') || u == 0x7f) return false;
  }
  return true;
}

std::string_view trim(std::string_view s) {
  while (!s.empty() && (s.front() == ' ' || s.front() == '\t')) s.remove_prefix(1);
  while (!s.empty() && (s.back() == ' ' || s.back() == '\t')) s.remove_suffix(1);
  return s;
}

int hex_value(char c) {
  if (c >= '0' && c <= '9') return c - '0';
  if (c >= 'a' && c <= 'f') return c - 'a' + 10;
  if (c >= 'A' && c <= 'F') return c - 'A' + 10;
  return -1;
}

// Percent-decodes a path; false on a malformed escape or a decoded NUL.
bool decode_path(std::string_view in, std::string* out) {
  out->clear();
  for (size_t i = 0; i < in.size(); ++i) {
    if (in[i] != '%') {
      out->push_back(in[i]);
      continue;
    }
    if (i + 2 >= in.size()) return false;
    const int hi = hex_value(in[i + 1]), lo = hex_value(in[i + 2]);
    if (hi < 0 || lo < 0 || (hi == 0 && lo == 0)) return false;
    out->push_back(static_cast<char>(hi * 16 + lo));
    i += 2;
  }
  return true;
}

// Splits off the next line ending in LF (an optional CR before it is dropped).
bool next_line(std::string_view* rest, std::string_view* line) {
  const size_t lf = rest->find('\n');
  if (lf == std::string_view::npos) return false;
  *line = rest->substr(0, lf);
  if (!line->empty() && line->back() == '\r') line->remove_suffix(1);
  rest->remove_prefix(lf + 1);
  return true;
}

}  // namespace

RequestParser::State RequestParser::fail(int status, std::string message) {
  state_ = State::kError;
  error_status_ = status;
  error_message_ = std::move(message);
  return state_;
}

Request RequestParser::take() {
  Request out = std::move(req_);
  req_ = Request();
  state_ = State::kIdle;
  scanned_ = 0;
  chunked_ = false;
  content_length_ = 0;
  expect_continue_ = false;
  chunk_state_ = ChunkState::kSize;
  chunk_left_ = 0;
  trailer_bytes_ = 0;
  return out;
}

RequestParser::State RequestParser::feed(std::string& in) {
  if (state_ == State::kIdle) {
    // Empty lines before a request line are ignored (some clients end a body with one).
    size_t skip = 0;
    while (skip < in.size() && (in[skip] == '\r' || in[skip] == '\n')) ++skip;
    in.erase(0, skip);
    if (in.empty()) return state_;
    state_ = State::kHeaders;
    scanned_ = 0;
  }
  if (state_ == State::kHeaders) {
    // The head ends at the first empty line: "\n\n" or "\n\r\n".
    size_t end = std::string::npos;
    for (size_t i = scanned_ > 0 ? scanned_ - 1 : 0; i < in.size(); ++i) {
      if (in[i] != '\n') continue;
      if (i + 1 < in.size() && in[i + 1] == '\n') {
        end = i + 2;
        break;
      }
      if (i + 2 < in.size() && in[i + 1] == '\r' && in[i + 2] == '\n') {
        end = i + 3;
        break;
      }
    }
    if (end == std::string::npos) {
      scanned_ = in.size() > 2 ? in.size() - 2 : 0;
      if (in.size() > limits_.max_header_bytes) return fail(431, "the request headers are too large");
      return state_;
    }
    if (end > limits_.max_header_bytes) return fail(431, "the request headers are too large");
    const std::string head = in.substr(0, end);
    in.erase(0, end);
    if (parse_head(head) == State::kError) return state_;
    state_ = State::kBody;
  }
  if (state_ == State::kBody) {
    if (chunked_) return feed_chunked(in);
    const size_t take = static_cast<size_t>(std::min<uint64_t>(content_length_ - req_.body.size(), in.size()));
    req_.body.append(in, 0, take);
    in.erase(0, take);
    if (req_.body.size() == content_length_) state_ = State::kComplete;
  }
  return state_;
}

RequestParser::State RequestParser::parse_head(std::string_view head) {
  std::string_view line;
  if (!next_line(&head, &line) || parse_request_line(line) == State::kError) {
    return state_ == State::kError ? state_ : fail(400, "malformed request line");
  }
  size_t n_content_length = 0, n_transfer_encoding = 0, n_host = 0;
  size_t n_headers = 0;
  while (next_line(&head, &line) && !line.empty()) {
    if (++n_headers > limits_.max_headers) return fail(431, "too many request headers");
    if (parse_header_line(line, &n_content_length, &n_transfer_encoding) == State::kError) return state_;
    if (iequals(req_.headers.back().first, "host")) ++n_host;
  }
  if (req_.minor_version == 1 && n_host != 1) return fail(400, "an HTTP/1.1 request needs exactly one Host header");
  if (n_transfer_encoding > 0) {
    if (n_content_length > 0) return fail(400, "both Content-Length and Transfer-Encoding were sent");
    if (req_.minor_version == 0) return fail(400, "Transfer-Encoding is not allowed in HTTP/1.0");
    if (n_transfer_encoding > 1 || !iequals(*req_.header("transfer-encoding"), "chunked")) {
      return fail(501, "only the chunked transfer encoding is supported");
    }
    chunked_ = true;
  }
  if (content_length_ > limits_.max_body_bytes) return fail(413, "the request body is too large");
  if (auto expect = req_.header("expect")) {
    if (!iequals(trim(*expect), "100-continue")) return fail(417, "unsupported expectation");
    expect_continue_ = req_.minor_version == 1;
  }
  req_.keep_alive = req_.minor_version == 1;
  if (auto connection = req_.header("connection")) {
    std::string_view rest = *connection;
    while (!rest.empty()) {
      const size_t comma = rest.find(',');
      if (iequals(trim(rest.substr(0, comma)), "close")) req_.keep_alive = false;
      rest = comma == std::string_view::npos ? std::string_view() : rest.substr(comma + 1);
    }
  }
  return state_;
}

RequestParser::State RequestParser::parse_request_line(std::string_view line) {
  const size_t sp1 = line.find(' ');
  if (sp1 == std::string_view::npos) return fail(400, "malformed request line");
  const size_t sp2 = line.find(' ', sp1 + 1);
  if (sp2 == std::string_view::npos || line.find(' ', sp2 + 1) != std::string_view::npos) {
    return fail(400, "malformed request line");
  }
  const std::string_view method = line.substr(0, sp1);
  const std::string_view target = line.substr(sp1 + 1, sp2 - sp1 - 1);
  const std::string_view version = line.substr(sp2 + 1);
  if (!is_token(method)) return fail(400, "malformed request method");
  if (target.empty() || (target[0] != '/' && target != "*")) return fail(400, "malformed request target");
  for (char c : target) {
    if (static_cast<unsigned char>(c) <= 0x20 || static_cast<unsigned char>(c) >= 0x7f) {
      return fail(400, "malformed request target");
    }
  }
  if (version == "HTTP/1.1") {
    req_.minor_version = 1;
  } else if (version == "HTTP/1.0") {
    req_.minor_version = 0;
  } else if (version.size() == 8 && version.substr(0, 5) == "HTTP/") {
    return fail(505, "only HTTP/1.0 and HTTP/1.1 are supported");
  } else {
    return fail(400, "malformed HTTP version");
  }
  req_.method = std::string(method);
  req_.target = std::string(target);
  const size_t q = target.find('?');
  if (q != std::string_view::npos) req_.query = std::string(target.substr(q + 1));
  if (!decode_path(target.substr(0, q), &req_.path)) return fail(400, "malformed percent-encoding in the path");
  return state_;
}

RequestParser::State RequestParser::parse_header_line(std::string_view line, size_t* n_content_length,
                                                      size_t* n_transfer_encoding) {
  if (line[0] == ' ' || line[0] == '\t') return fail(400, "folded header lines are not allowed");
  const size_t colon = line.find(':');
  if (colon == std::string_view::npos) return fail(400, "malformed header line");
  const std::string_view name = line.substr(0, colon);
  const std::string_view value = trim(line.substr(colon + 1));
  if (!is_token(name)) return fail(400, "malformed header name");
  if (!is_field_value(value)) return fail(400, "control characters in a header value");
  if (iequals(name, "content-length")) {
    // Digits only, one value, once: "+32", "32, 32" and a second header are refused.
    if (++*n_content_length > 1) return fail(400, "more than one Content-Length header");
    if (value.empty() || value.size() > 18) return fail(400, "malformed Content-Length");
    uint64_t n = 0;
    for (char c : value) {
      if (c < '0' || c > '9') return fail(400, "malformed Content-Length");
      n = n * 10 + static_cast<uint64_t>(c - '0');
    }
    content_length_ = n;
  } else if (iequals(name, "transfer-encoding")) {
    ++*n_transfer_encoding;
  }
  req_.headers.emplace_back(std::string(name), std::string(value));
  return state_;
}

// The chunked body is read from an offset and `in` is cut once at the end, so many
// small chunks in one read cost time linear in their size (the loop thread runs this).
RequestParser::State RequestParser::feed_chunked(std::string& in) {
  size_t pos = 0;
  const State state = feed_chunks(in, &pos);
  in.erase(0, pos);
  return state;
}

// Chunk framing is strict (CRLF line ends, no control bytes in extensions) so that no
// proxy in front can read the chunks differently.
RequestParser::State RequestParser::feed_chunks(const std::string& in, size_t* pos) {
  for (;;) {
    switch (chunk_state_) {
      case ChunkState::kSize: {
        const size_t lf = in.find('\n', *pos);
        if (lf == std::string::npos) {
          if (in.size() - *pos > kMaxChunkLine) return fail(400, "malformed chunk size");
          return state_;
        }
        std::string_view line(in.data() + *pos, lf - *pos);
        if (line.size() > kMaxChunkLine || line.empty() || line.back() != '\r') {
          return fail(400, "malformed chunk size");
        }
        line.remove_suffix(1);
        const size_t semicolon = line.find(';');
        if (semicolon != std::string_view::npos && !is_field_value(line.substr(semicolon))) {
          return fail(400, "malformed chunk extension");
        }
        line = line.substr(0, semicolon);  // chunk extensions are ignored
        if (line.empty() || line.size() > 15) return fail(400, "malformed chunk size");
        uint64_t size = 0;
        for (char c : line) {
          const int h = hex_value(c);
          if (h < 0) return fail(400, "malformed chunk size");
          size = size * 16 + static_cast<uint64_t>(h);
        }
        *pos = lf + 1;
        if (req_.body.size() + size > limits_.max_body_bytes) return fail(413, "the request body is too large");
        chunk_left_ = size;
        chunk_state_ = size == 0 ? ChunkState::kTrailers : ChunkState::kData;
        break;
      }
      case ChunkState::kData: {
        const size_t take = static_cast<size_t>(std::min<uint64_t>(chunk_left_, in.size() - *pos));
        req_.body.append(in, *pos, take);
        *pos += take;
        chunk_left_ -= take;
        if (chunk_left_ > 0) return state_;
        chunk_state_ = ChunkState::kDataEnd;
        break;
      }
      case ChunkState::kDataEnd: {
        if (in.size() - *pos < 2) return state_;
        if (in.compare(*pos, 2, "\r\n") != 0) return fail(400, "malformed chunk end");
        *pos += 2;
        chunk_state_ = ChunkState::kSize;
        break;
      }
      case ChunkState::kTrailers:
        return feed_trailers(in, pos);
    }
  }
}

// Trailer fields after the last chunk are read and dropped, within the header limit.
RequestParser::State RequestParser::feed_trailers(const std::string& in, size_t* pos) {
  for (;;) {
    const size_t lf = in.find('\n', *pos);
    if (lf == std::string::npos) {
      if (trailer_bytes_ + (in.size() - *pos) > limits_.max_header_bytes) {
        return fail(431, "the trailers are too large");
      }
      return state_;
    }
    trailer_bytes_ += lf + 1 - *pos;
    if (trailer_bytes_ > limits_.max_header_bytes) return fail(431, "the trailers are too large");
    std::string_view line(in.data() + *pos, lf - *pos);
    if (line.empty() || line.back() != '\r' || !is_field_value(line.substr(0, line.size() - 1))) {
      return fail(400, "malformed trailer");
    }
    *pos = lf + 1;
    if (line.size() == 1) {
      state_ = State::kComplete;
      return state_;
    }
  }
}

}  // namespace herd::http
