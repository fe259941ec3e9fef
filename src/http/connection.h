// One client connection (internal to the http layer). The loop thread owns it while it
// reads; a worker owns it while a handler answers; it closes with its last owner.
#pragma once

#include <unistd.h>

#include <atomic>
#include <chrono>
#include <cstdint>
#include <string>

#include "http/request_parser.h"

namespace herd::http {

struct Connection {
  using Clock = std::chrono::steady_clock;
  enum class Phase {
    kIdle,        // between requests (or fresh): no byte of the next one yet
    kReading,     // part of a request has arrived
    kDispatched,  // a handler has it; the loop does not watch it
    kClosing,     // answered with an error: reading and dropping until the peer closes
  };

  Connection(int fd_in, ParserLimits limits) : fd(fd_in), parser(limits) {}
  ~Connection() {
    if (fd >= 0) ::close(fd);
  }
  Connection(const Connection&) = delete;
  Connection& operator=(const Connection&) = delete;

  const int fd;
  std::string in;  // received, not yet parsed (may hold a pipelined next request)
  RequestParser parser;
  Phase phase = Phase::kIdle;
  Clock::time_point deadline;       // close when it passes (not while dispatched)
  bool continue_sent = false;       // "100 Continue" for the current request
  std::atomic<bool> broken{false};  // a write failed or was cut: close after the handler
};

}  // namespace herd::http
