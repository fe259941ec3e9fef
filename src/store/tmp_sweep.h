// Cleans the store's tmp/ of what interrupted pulls, pushes and writes leave behind. A file a
// live process uses is never touched: a download's partial files go only while their .lock can
// be taken without waiting (and is held during the removal, so a pull that starts meanwhile
// waits, then begins afresh) and only when nothing has written them for a day. The caller holds
// .gc.lock exclusively.
#pragma once

#include <chrono>
#include <cstdint>

#include "base/status.h"
#include "store/store_layout.h"

namespace herd::store {

struct TmpSweepOptions {
  // `herd prune`: also every unheld .lock file and every stray *.tmp file older than tmp_age.
  bool locks_and_tmp_files = false;
  std::chrono::seconds partial_age = std::chrono::hours(24);
  // A *.tmp file is written from start to rename without a pause; an hour untouched is stray.
  std::chrono::seconds tmp_age = std::chrono::hours(1);
};

struct TmpSweepReport {
  uint64_t files = 0;  // removed
  uint64_t bytes = 0;  // freed
};

Result<TmpSweepReport> sweep_tmp(const StoreLayout& layout, const TmpSweepOptions& options);

}  // namespace herd::store
