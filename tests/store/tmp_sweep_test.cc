// Stale downloads in tmp/: what `herd rm`'s sweep and `herd prune` remove, and that a download
// whose lock is held (in this process, or while the herd binary prunes) is never touched.
#include "store/tmp_sweep.h"

#include <gtest/gtest.h>

#include <chrono>
#include <filesystem>
#include <fstream>
#include <optional>
#include <string>
#include <thread>

#include "store/model_store.h"
#include "store_checks.h"

namespace herd::store {
namespace {

namespace fs = std::filesystem;

class TmpSweepTest : public ::testing::Test {
 protected:
  TmpSweepTest() : store_(home_.layout()) { EXPECT_TRUE(store_.layout().ensure_directories().ok()); }

  std::string tmp(const std::string& name) const { return store_.layout().tmp_dir() + "/" + name; }

  // A file in tmp/ last written `age` ago.
  void make(const std::string& name, std::chrono::hours age, const std::string& bytes = "some bytes") {
    std::ofstream(tmp(name), std::ios::binary) << bytes;
    fs::last_write_time(tmp(name), fs::file_time_type::clock::now() - age);
  }

  testing::TempHome home_;
  ModelStore store_;
};

TEST_F(TmpSweepTest, RemovesOldUnheldPartialsAndTheirPartsOnly) {
  make("sha256-aa.partial", std::chrono::hours(25), "0123456789");
  make("sha256-aa.partial.0", std::chrono::hours(25), "01234");  // a part of an older version
  make("sha256-aa.partial.parts", std::chrono::hours(25), "0123456");
  make("sha256-aa.partial.parts.new", std::chrono::hours(25), "01");
  make("sha256-aa.lock", std::chrono::hours(25), "");
  make("sha256-bb.partial", std::chrono::hours(2));  // young: a pull may resume it
  make("upload-x.partial", std::chrono::hours(30));   // a server upload: no lock file at all
  make("manifest.1.2.tmp", std::chrono::hours(30));   // not the default sweep's business
  Result<TmpSweepReport> r = sweep_tmp(store_.layout(), TmpSweepOptions{});
  ASSERT_TRUE(r.ok()) << r.status().to_string();
  EXPECT_EQ(r->files, 5u);
  EXPECT_EQ(r->bytes, 10u + 5u + 7u + 2u + 10u);
  EXPECT_FALSE(fs::exists(tmp("sha256-aa.partial")));
  EXPECT_FALSE(fs::exists(tmp("sha256-aa.partial.0")));
  EXPECT_FALSE(fs::exists(tmp("sha256-aa.partial.parts")));
  EXPECT_FALSE(fs::exists(tmp("sha256-aa.partial.parts.new")));
  EXPECT_FALSE(fs::exists(tmp("upload-x.partial")));
  EXPECT_TRUE(fs::exists(tmp("sha256-bb.partial")));
  EXPECT_TRUE(fs::exists(tmp("sha256-aa.lock")));
  EXPECT_TRUE(fs::exists(tmp("manifest.1.2.tmp")));
}

TEST_F(TmpSweepTest, APartialWhoseLockIsHeldIsNeverTouched) {
  make("sha256-cc.partial", std::chrono::hours(48));
  make("sha256-cc.partial.parts", std::chrono::hours(48));
  Result<FileLock> pulling = FileLock::acquire(tmp("sha256-cc.lock"), FileLock::Mode::kExclusive, false);
  ASSERT_TRUE(pulling.ok());
  Result<TmpSweepReport> r = store_.prune_tmp();
  ASSERT_TRUE(r.ok()) << r.status().to_string();
  EXPECT_EQ(r->files, 0u);
  EXPECT_TRUE(fs::exists(tmp("sha256-cc.partial")));
  EXPECT_TRUE(fs::exists(tmp("sha256-cc.partial.parts")));
  EXPECT_TRUE(fs::exists(tmp("sha256-cc.lock")));

  *pulling = FileLock();  // the pull ends
  r = store_.prune_tmp();
  ASSERT_TRUE(r.ok());
  EXPECT_EQ(r->files, 3u);
  EXPECT_TRUE(fs::is_empty(store_.layout().tmp_dir()));
}

TEST_F(TmpSweepTest, PruneAlsoTakesUnheldLocksAndStrayTmpFiles) {
  make("sha256-dd.lock", std::chrono::hours(0), "");
  make("url-ee.lock", std::chrono::hours(0), "");
  make("import.1.2.tmp", std::chrono::hours(3));
  make("manifest.3.4.tmp", std::chrono::hours(0));  // being written right now
  Result<FileLock> held = FileLock::acquire(tmp("url-ee.lock"), FileLock::Mode::kShared, false);
  ASSERT_TRUE(held.ok());
  Result<TmpSweepReport> r = store_.prune_tmp();
  ASSERT_TRUE(r.ok()) << r.status().to_string();
  EXPECT_EQ(r->files, 2u);
  EXPECT_FALSE(fs::exists(tmp("sha256-dd.lock")));
  EXPECT_FALSE(fs::exists(tmp("import.1.2.tmp")));
  EXPECT_TRUE(fs::exists(tmp("url-ee.lock")));
  EXPECT_TRUE(fs::exists(tmp("manifest.3.4.tmp")));
}

TEST_F(TmpSweepTest, ALockUnlinkedWhileWaitedForIsTakenAfresh) {
  const std::string path = tmp("sha256-ff.lock");
  Result<FileLock> pruner = FileLock::acquire(path, FileLock::Mode::kExclusive, false);
  ASSERT_TRUE(pruner.ok());
  // A pull waits for the lock (it opened the file that is about to be unlinked)...
  std::optional<Result<FileLock>> pull;
  std::thread waiter([&] { pull = FileLock::acquire(path, FileLock::Mode::kExclusive, true); });
  std::this_thread::sleep_for(std::chrono::milliseconds(200));  // ordering only; later is fine too
  fs::remove(path);   // ... prune removes it while holding it ...
  *pruner = FileLock();
  waiter.join();
  ASSERT_TRUE(pull.has_value() && pull->ok());
  // ... and the pull holds the lock at the path, so a second pull still has to wait.
  EXPECT_TRUE(fs::exists(path));
  EXPECT_FALSE(FileLock::acquire(path, FileLock::Mode::kExclusive, false).ok());
}

TEST_F(TmpSweepTest, RmSweepsStalePartials) {
  const std::string weights = "weights";
  Result<Digest> d = put_blob_bytes(store_.layout(), weights);
  ASSERT_TRUE(d.ok());
  ModelConfig c;
  Result<Digest> cd = put_blob_bytes(store_.layout(), c.to_json());
  ASSERT_TRUE(cd.ok());
  Manifest m;
  m.config = {std::string(kConfigMediaType), *cd, c.to_json().size()};
  m.layers.push_back({layer_media_type(LayerKind::kModel), *d, weights.size()});
  const ModelRef ref = *ModelRef::parse("gone");
  ASSERT_TRUE(store_.put_manifest(ref, m).ok());
  make("sha256-ab.partial", std::chrono::hours(30), "0123456789");
  make("sha256-cd.partial", std::chrono::hours(1), "0123");
  Result<uint64_t> freed = store_.remove(ref);
  ASSERT_TRUE(freed.ok()) << freed.status().to_string();
  EXPECT_EQ(*freed, weights.size() + c.to_json().size() + 10u);
  EXPECT_FALSE(fs::exists(tmp("sha256-ab.partial")));
  EXPECT_TRUE(fs::exists(tmp("sha256-cd.partial")));
}

TEST_F(TmpSweepTest, HerdPruneLeavesAPullInProgressAlone) {
  make("sha256-12.partial", std::chrono::hours(40), "in progress");
  make("sha256-34.partial", std::chrono::hours(40), "abandoned");
  make("sha256-34.lock", std::chrono::hours(40), "");
  Result<FileLock> pulling = FileLock::acquire(tmp("sha256-12.lock"), FileLock::Mode::kExclusive, false);
  ASSERT_TRUE(pulling.ok());
  const testing::Outcome o =
      testing::run_process(HERD_BIN, {"prune"}, home_.root(), {"HERD_HOME=" + home_.home()});
  EXPECT_EQ(o.exit_code, 0) << o.err;
  EXPECT_NE(o.out.find("removed 2 leftover files"), std::string::npos) << o.out;
  EXPECT_TRUE(fs::exists(tmp("sha256-12.partial")));
  EXPECT_TRUE(fs::exists(tmp("sha256-12.lock")));
  EXPECT_FALSE(fs::exists(tmp("sha256-34.partial")));
  EXPECT_FALSE(fs::exists(tmp("sha256-34.lock")));
}

}  // namespace
}  // namespace herd::store
