#include "store/trailing_hasher.h"

#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstring>
#include <span>
#include <utility>
#include <vector>

namespace herd::store {
namespace {

constexpr uint64_t kReadSize = uint64_t(1) << 20;

}  // namespace

TrailingHasher::TrailingHasher(int fd, std::string path) : fd_(fd), path_(std::move(path)) {
  thread_ = std::thread([this] { run(); });
}

TrailingHasher::~TrailingHasher() {
  {
    std::lock_guard<std::mutex> lock(mu_);
    stop_ = true;
  }
  cv_.notify_all();
  if (thread_.joinable()) thread_.join();
}

void TrailingHasher::advance(uint64_t end) {
  {
    std::lock_guard<std::mutex> lock(mu_);
    if (end <= final_end_) return;
    final_end_ = end;
  }
  cv_.notify_all();
}

void TrailingHasher::restart() {
  {
    std::lock_guard<std::mutex> lock(mu_);
    final_end_ = 0;
    hashed_end_ = 0;
    ++generation_;
  }
  cv_.notify_all();
}

void TrailingHasher::run() {
  std::vector<uint8_t> buf(kReadSize);
  uint64_t generation = 0, at = 0;
  for (;;) {
    uint64_t want = 0;
    {
      std::unique_lock<std::mutex> lock(mu_);
      cv_.wait(lock, [&] { return stop_ || generation_ != generation || final_end_ > at; });
      if (stop_) return;
      if (generation_ != generation) {
        generation = generation_;
        at = 0;
        hash_ = Sha256();
        continue;
      }
      want = std::min(kReadSize, final_end_ - at);
    }
    uint64_t got = 0;
    int err = 0;
    while (got < want) {
      const ssize_t n = ::pread(fd_, buf.data() + got, want - got, static_cast<off_t>(at + got));
      if (n < 0 && errno == EINTR) continue;
      if (n <= 0) {
        err = n < 0 ? errno : EIO;  // EOF inside the final prefix: cut under us, or a restart
        break;
      }
      got += static_cast<uint64_t>(n);
    }
    {
      std::lock_guard<std::mutex> lock(mu_);
      if (generation_ != generation) continue;  // these bytes belong to a file that started over
      if (err != 0) {
        error_ = io_error("reading back " + path_ + " to hash it: " + std::strerror(err));
        cv_.notify_all();
        return;
      }
    }
    // Hashed outside the lock: writers saying how far they got never wait for it.
    hash_.update(std::span<const uint8_t>(buf.data(), static_cast<size_t>(got)));
    std::lock_guard<std::mutex> lock(mu_);
    if (generation_ != generation) continue;  // reset on the next turn
    at += got;
    hashed_end_ = at;
    cv_.notify_all();
  }
}

Result<Digest> TrailingHasher::finish(uint64_t size) {
  {
    std::unique_lock<std::mutex> lock(mu_);
    cv_.wait(lock, [&] { return !error_.ok() || hashed_end_ >= size; });
    if (!error_.ok()) return error_;
    if (hashed_end_ != size) return internal_error("hashed " + std::to_string(hashed_end_) + " bytes, not " +
                                                   std::to_string(size));
    stop_ = true;
  }
  cv_.notify_all();
  thread_.join();
  return hash_.finish();
}

}  // namespace herd::store
