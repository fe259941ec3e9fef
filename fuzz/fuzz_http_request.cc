// libFuzzer target for the HTTP/1.x request parser (src/http/request_parser.h): every
// byte of it comes from the network. Byte 0 sets the size of the pieces the rest is fed
// in, as reads would split it; the rest is a stream of pipelined requests. Any crash,
// sanitizer report or hang is a bug; beyond that it traps when a parsed request breaks
// a limit or the parser takes bytes it was not given.
#include <algorithm>
#include <cstddef>
#include <cstdint>
#include <string>

#include "http/request_parser.h"

namespace {

void check(bool ok) {
  if (!ok) __builtin_trap();
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  if (size < 1) return 0;
  const size_t piece = 1 + data[0] % 64;
  herd::http::ParserLimits limits;
  limits.max_header_bytes = 1024;
  limits.max_headers = 16;
  limits.max_body_bytes = 4096;
  herd::http::RequestParser parser(limits);
  using State = herd::http::RequestParser::State;
  std::string in;
  size_t fed = 1, consumed = 0;
  while (fed < size || !in.empty()) {
    const size_t n = std::min(piece, size - fed);
    in.append(reinterpret_cast<const char*>(data) + fed, n);
    fed += n;
    const size_t before = in.size();
    const State s = parser.feed(in);
    check(in.size() <= before);
    consumed += before - in.size();
    check(consumed <= fed - 1);
    if (s == State::kError) {
      check(parser.error_status() >= 400 && parser.error_status() < 600);
      return 0;
    }
    if (s == State::kComplete) {
      const herd::http::Request r = parser.take();
      check(r.body.size() <= limits.max_body_bytes);
      check(r.headers.size() <= limits.max_headers);
      check(!r.method.empty() && !r.target.empty());
      continue;  // the next pipelined request, from what is left
    }
    if (n == 0) break;  // nothing more to give, and the parser wants more
  }
  return 0;
}
