// The sha256 of a file that is still being written, computed on its own thread: writers say how
// far the file's prefix is final, the hasher reads that prefix back (from the page cache) and
// hashes it, so that receiving and writing never wait for hashing.
#pragma once

#include <condition_variable>
#include <cstdint>
#include <mutex>
#include <string>
#include <thread>

#include "base/status.h"
#include "store/digest.h"

namespace herd::store {

class TrailingHasher {
 public:
  // `fd` stays owned by the caller and open until finish() or destruction.
  TrailingHasher(int fd, std::string path);
  ~TrailingHasher();
  TrailingHasher(const TrailingHasher&) = delete;
  TrailingHasher& operator=(const TrailingHasher&) = delete;

  // Bytes [0, end) are written and final (calls may come from any thread; a smaller `end` than
  // before is ignored).
  void advance(uint64_t end);
  // The file starts over: what was hashed is forgotten, nothing is final.
  void restart();
  // Waits until the first `size` bytes are hashed (advance(size) must have been said) and
  // returns their digest; kIoError when the file could not be read back.
  Result<Digest> finish(uint64_t size);

 private:
  void run();

  const int fd_;
  const std::string path_;
  std::mutex mu_;
  std::condition_variable cv_;
  uint64_t final_end_ = 0;   // guarded by mu_
  uint64_t hashed_end_ = 0;  // guarded by mu_ (the hasher's progress, for finish())
  uint64_t generation_ = 0;  // guarded by mu_: bumped by restart()
  bool stop_ = false;        // guarded by mu_
  Status error_;             // guarded by mu_
  Sha256 hash_;              // the hasher thread's until it has stopped
  std::thread thread_;
};

}  // namespace herd::store
