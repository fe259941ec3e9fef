// blob_download against the fixture server: resume, verification, retries, stalls, parallel
// ranges, and two downloads of one blob. After every fault the store must hold only blobs whose
// names match their bytes.
#include "store/blob_download.h"
#include "store/partial_file.h"

#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>
#include <thread>

#include "fixture_registry.h"
#include "store_checks.h"

namespace herd::store {
namespace {

namespace fs = std::filesystem;
using testing::FixtureReply;
using testing::FixtureRequest;

class BlobDownloadTest : public ::testing::Test {
 protected:
  void SetUp() override {
    options_.backoff_ms = 10;
    options_.stall_timeout_s = 1;
    options_.parallel_min_size = uint64_t(1) << 40;  // one stream unless a test asks for parts
  }
  void TearDown() override { testing::expect_store_sane(home_); }

  BlobSource stories_source() const {
    const auto& b = fx_.stories();
    return {fx_.url() + fx_.blob_path(b.hex), std::nullopt, *Digest::from_hex(b.hex), b.bytes.size()};
  }
  std::string blob_path() const { return home_.layout().blob_path(*Digest::from_hex(fx_.stories().hex)); }
  std::string partial_path() const { return home_.layout().partial_path(*Digest::from_hex(fx_.stories().hex)); }
  uint64_t served() { return fx_.server().body_bytes_sent(fx_.blob_path(fx_.stories().hex)); }
  void write_partial(const std::string& bytes) {
    ASSERT_TRUE(home_.layout().ensure_directories().ok());
    std::ofstream(partial_path(), std::ios::binary) << bytes;
  }
  // A fault for the first `n` requests to the blob only.
  void fault_first(int n, std::function<void(FixtureReply&)> f) {
    auto left = std::make_shared<std::atomic<int>>(n);
    const std::string path = fx_.blob_path(fx_.stories().hex);
    fx_.set_fault([=](const FixtureRequest& req, FixtureReply& r) {
      if (req.target == path && left->fetch_sub(1) > 0) f(r);
    });
  }

  // The server answers every request for the blob with the whole body (a 200), Range or not.
  void ignore_ranges() {
    const std::string path = fx_.blob_path(fx_.stories().hex);
    const std::string whole = fx_.stories().bytes;
    fx_.set_fault([=](const FixtureRequest& req, FixtureReply& r) {
      if (req.target == path) {
        r = FixtureReply{};
        r.body = whole;
      }
    });
  }

  testing::TempHome home_;
  testing::FixtureRegistry fx_;
  DownloadOptions options_;
};

TEST_F(BlobDownloadTest, DownloadsAndNamesTheVerifiedBlob) {
  Result<Digest> d = download_blob(home_.layout(), stories_source(), options_);
  ASSERT_TRUE(d.ok()) << d.status().to_string();
  EXPECT_EQ(d->hex(), fx_.stories().hex);
  EXPECT_EQ(testing::slurp(blob_path()), fx_.stories().bytes);
  EXPECT_FALSE(fs::exists(partial_path()));
  EXPECT_EQ(served(), fx_.stories().bytes.size());
}

TEST_F(BlobDownloadTest, ATruncatedBodyResumesWithARange) {
  fault_first(1, [](FixtureReply& r) { r.cut_after = 300000; });
  Result<Digest> d = download_blob(home_.layout(), stories_source(), options_);
  ASSERT_TRUE(d.ok()) << d.status().to_string();
  const auto log = fx_.server().log();
  ASSERT_EQ(log.size(), 2u);
  EXPECT_EQ(log[1].request.header("range"), "bytes=300000-");
  EXPECT_EQ(served(), fx_.stories().bytes.size()) << "no byte fetched twice";
}

TEST_F(BlobDownloadTest, AResetConnectionResumes) {
  fault_first(2, [](FixtureReply& r) {
    r.cut_after = 200000;
    r.reset = true;
  });
  Result<Digest> d = download_blob(home_.layout(), stories_source(), options_);
  ASSERT_TRUE(d.ok()) << d.status().to_string();
  EXPECT_EQ(testing::slurp(blob_path()), fx_.stories().bytes);
}

TEST_F(BlobDownloadTest, ServerErrorsAreRetried) {
  fault_first(3, [](FixtureReply& r) {
    r = FixtureReply{};
    r.status = 500;
  });
  Result<Digest> d = download_blob(home_.layout(), stories_source(), options_);
  ASSERT_TRUE(d.ok()) << d.status().to_string();
  EXPECT_EQ(fx_.server().log().size(), 4u);
}

TEST_F(BlobDownloadTest, PersistentErrorsGiveUpAndKeepWhatArrived) {
  // The first answer stops short; every later one fails.
  fx_.set_fault([](const FixtureRequest& req, FixtureReply& r) {
    if (req.header("range").empty()) {
      r.cut_after = 100000;
    } else {
      r = FixtureReply{};
      r.status = 503;
    }
  });
  options_.max_attempts = 2;
  Result<Digest> d = download_blob(home_.layout(), stories_source(), options_);
  ASSERT_FALSE(d.ok());
  EXPECT_EQ(d.status().code(), StatusCode::kUnavailable) << d.status().to_string();
  EXPECT_FALSE(fs::exists(blob_path()));
  ASSERT_TRUE(fs::exists(partial_path()));
  const uint64_t kept = fs::file_size(partial_path());
  EXPECT_GE(kept, 100000u);
  // The next pull continues from there and fetches only the rest.
  fx_.set_fault(nullptr);
  fx_.server().clear_log();
  d = download_blob(home_.layout(), stories_source(), options_);
  ASSERT_TRUE(d.ok()) << d.status().to_string();
  EXPECT_EQ(served(), fx_.stories().bytes.size() - kept);
}

TEST_F(BlobDownloadTest, AStallIsAbortedAndRetried) {
  fault_first(1, [](FixtureReply& r) {
    r.stall_after = 50000;
    r.stall_ms = 30000;
  });
  Result<Digest> d = download_blob(home_.layout(), stories_source(), options_);
  ASSERT_TRUE(d.ok()) << d.status().to_string();
  EXPECT_EQ(fx_.server().log().back().request.header("range"), "bytes=50000-");
}

TEST_F(BlobDownloadTest, ResumesFromAPartialFileOnDisk) {
  write_partial(fx_.stories().bytes.substr(0, 500000));
  Result<Digest> d = download_blob(home_.layout(), stories_source(), options_);
  ASSERT_TRUE(d.ok()) << d.status().to_string();
  EXPECT_EQ(served(), fx_.stories().bytes.size() - 500000);
}

TEST_F(BlobDownloadTest, A206DowngradedTo200RestartsFromZero) {
  // The partial holds junk the server never sent; a server that ignores the Range must not
  // leave it in front of the body.
  write_partial(std::string(400000, 'x'));
  ignore_ranges();
  Result<Digest> d = download_blob(home_.layout(), stories_source(), options_);
  ASSERT_TRUE(d.ok()) << d.status().to_string();
  EXPECT_EQ(testing::slurp(blob_path()), fx_.stories().bytes);
  EXPECT_EQ(fx_.server().log().front().request.header("range"), "bytes=400000-");
}

TEST_F(BlobDownloadTest, WrongBytesAreRefusedAndDiscarded) {
  const std::string path = fx_.blob_path(fx_.stories().hex);
  fx_.set_fault([=](const FixtureRequest& req, FixtureReply& r) {
    if (req.target == path) r.body[1000] ^= 1;
  });
  Result<Digest> d = download_blob(home_.layout(), stories_source(), options_);
  ASSERT_FALSE(d.ok());
  EXPECT_EQ(d.status().code(), StatusCode::kCorruptFile) << d.status().to_string();
  EXPECT_NE(d.status().message().find("sha256 mismatch"), std::string::npos) << d.status().to_string();
  EXPECT_FALSE(fs::exists(blob_path()));
  EXPECT_FALSE(fs::exists(partial_path()));
}

TEST_F(BlobDownloadTest, ABodyLongerThanTheManifestSaysIsRefused) {
  BlobSource source = stories_source();
  source.size = *source.size - 10;  // the manifest says less than the server sends
  Result<Digest> d = download_blob(home_.layout(), source, options_);
  ASSERT_FALSE(d.ok());
  EXPECT_EQ(d.status().code(), StatusCode::kCorruptFile) << d.status().to_string();
  EXPECT_FALSE(fs::exists(blob_path()));
  EXPECT_FALSE(fs::exists(partial_path()));
}

TEST_F(BlobDownloadTest, ABodyShorterThanTheManifestSaysFails) {
  BlobSource source = stories_source();
  source.size = *source.size + 10;
  options_.max_attempts = 2;
  Result<Digest> d = download_blob(home_.layout(), source, options_);
  ASSERT_FALSE(d.ok());
  EXPECT_FALSE(fs::exists(blob_path()));
}

TEST_F(BlobDownloadTest, BigBlobsComeInParallelRanges) {
  options_.parallel_min_size = 1000;
  options_.parallel_parts = 4;
  Result<Digest> d = download_blob(home_.layout(), stories_source(), options_);
  ASSERT_TRUE(d.ok()) << d.status().to_string();
  EXPECT_EQ(testing::slurp(blob_path()), fx_.stories().bytes);
  const auto log = fx_.server().log();
  ASSERT_EQ(log.size(), 4u);
  for (const auto& r : log) {
    EXPECT_EQ(r.status, 206);
    EXPECT_EQ(r.request.header("range").rfind("bytes=", 0), 0u);
  }
  EXPECT_EQ(served(), fx_.stories().bytes.size());
  EXPECT_FALSE(fs::exists(partial_path()));
  EXPECT_FALSE(fs::exists(PartialFile::record_path(partial_path())));
}

TEST_F(BlobDownloadTest, AnInterruptedSplitDownloadResumesEachPart) {
  options_.parallel_min_size = 1000;
  options_.parallel_parts = 4;
  options_.max_attempts = 1;
  // Every part is cut short, then the server fails: the download gives up with part of each
  // part on disk.
  auto served_requests = std::make_shared<std::atomic<int>>(0);
  const std::string blob = fx_.blob_path(fx_.stories().hex);
  fx_.set_fault([=](const FixtureRequest& req, FixtureReply& r) {
    if (req.target != blob) return;
    if (served_requests->fetch_add(1) < 4) {
      r.cut_after = 50000;
    } else {
      r = FixtureReply{};
      r.status = 503;
    }
  });
  Result<Digest> d = download_blob(home_.layout(), stories_source(), options_);
  ASSERT_FALSE(d.ok());
  EXPECT_EQ(d.status().code(), StatusCode::kUnavailable) << d.status().to_string();
  const uint64_t kept = PartialFile::bytes_kept(partial_path());
  EXPECT_GE(kept, 50000u);
  EXPECT_EQ(fs::file_size(partial_path()), fx_.stories().bytes.size()) << "one file, each part at its place";
  fx_.set_fault(nullptr);
  fx_.server().clear_log();
  d = download_blob(home_.layout(), stories_source(), options_);
  ASSERT_TRUE(d.ok()) << d.status().to_string();
  EXPECT_EQ(testing::slurp(blob_path()), fx_.stories().bytes);
  EXPECT_EQ(served(), fx_.stories().bytes.size() - kept) << "only what was missing came again";
  EXPECT_FALSE(fs::exists(PartialFile::record_path(partial_path())));
}

TEST_F(BlobDownloadTest, ASingleStreamsPrefixIsKeptByASplitDownload) {
  const std::string& bytes = fx_.stories().bytes;
  write_partial(bytes.substr(0, 400000));
  options_.parallel_min_size = 1000;
  options_.parallel_parts = 4;
  Result<Digest> d = download_blob(home_.layout(), stories_source(), options_);
  ASSERT_TRUE(d.ok()) << d.status().to_string();
  EXPECT_EQ(testing::slurp(blob_path()), bytes);
  EXPECT_EQ(served(), bytes.size() - 400000);
}

TEST_F(BlobDownloadTest, ParallelPartsRetryOnTheirOwn) {
  options_.parallel_min_size = 1000;
  fault_first(2, [](FixtureReply& r) { r.cut_after = 1000; });
  Result<Digest> d = download_blob(home_.layout(), stories_source(), options_);
  ASSERT_TRUE(d.ok()) << d.status().to_string();
  EXPECT_EQ(testing::slurp(blob_path()), fx_.stories().bytes);
  EXPECT_EQ(served(), fx_.stories().bytes.size());
}

TEST_F(BlobDownloadTest, ParallelFallsBackWhenTheServerIgnoresRanges) {
  options_.parallel_min_size = 1000;
  ignore_ranges();
  Result<Digest> d = download_blob(home_.layout(), stories_source(), options_);
  ASSERT_TRUE(d.ok()) << d.status().to_string();
  EXPECT_EQ(testing::slurp(blob_path()), fx_.stories().bytes);
}

TEST_F(BlobDownloadTest, TwoDownloadsOfOneBlobShareOne) {
  fx_.set_fault([](const FixtureRequest&, FixtureReply& r) {
    r.chunk = 65536;
    r.chunk_delay_ms = 5;
  });
  Result<Digest> a = internal_error("not run"), b = internal_error("not run");
  std::thread ta([&] { a = download_blob(home_.layout(), stories_source(), options_); });
  std::thread tb([&] { b = download_blob(home_.layout(), stories_source(), options_); });
  ta.join();
  tb.join();
  ASSERT_TRUE(a.ok()) << a.status().to_string();
  ASSERT_TRUE(b.ok()) << b.status().to_string();
  EXPECT_EQ(*a, *b);
  EXPECT_EQ(served(), fx_.stories().bytes.size()) << "the second waited and found the blob";
}

TEST_F(BlobDownloadTest, WithoutADigestTheLinkedEtagIsChecked) {
  BlobSource source{fx_.url() + "/test/stories/resolve/main/stories-Q8_0.gguf", std::nullopt, std::nullopt,
                    std::nullopt};
  Result<Digest> d = download_blob(home_.layout(), source, options_);
  ASSERT_TRUE(d.ok()) << d.status().to_string();
  EXPECT_EQ(d->hex(), fx_.stories().hex);
  // An etag that names other bytes: refused.
  const std::string other = fx_.stories().hex;
  fx_.set_fault([=](const FixtureRequest&, FixtureReply& r) {
    for (auto& [k, v] : r.headers) {
      if (k == "X-Linked-Etag") v = "\"" + other + "\"";
    }
  });
  source.url = fx_.url() + "/test/stories/resolve/main/stories-F32.gguf";
  d = download_blob(home_.layout(), source, options_);
  ASSERT_FALSE(d.ok());
  EXPECT_EQ(d.status().code(), StatusCode::kCorruptFile) << d.status().to_string();
  EXPECT_FALSE(fs::exists(home_.layout().blob_path(*Digest::from_hex(fx_.tiny().hex))));
}

TEST_F(BlobDownloadTest, WithoutAnyDigestTheBytesNameTheBlob) {
  BlobSource source{fx_.url() + "/files/tiny.gguf", std::nullopt, std::nullopt, std::nullopt};
  auto left = std::make_shared<std::atomic<int>>(1);
  fx_.set_fault([=](const FixtureRequest&, FixtureReply& r) {
    if (left->fetch_sub(1) > 0) r.cut_after = 70000;
  });
  Result<Digest> d = download_blob(home_.layout(), source, options_);
  ASSERT_TRUE(d.ok()) << d.status().to_string();
  EXPECT_EQ(d->hex(), fx_.tiny().hex);
  EXPECT_EQ(fx_.server().body_bytes_sent("/files/"), fx_.tiny().bytes.size());
}

TEST_F(BlobDownloadTest, AnEtagThatIsNoDigestIsIgnored) {
  fx_.set_fault([](const FixtureRequest&, FixtureReply& r) {
    for (auto& [k, v] : r.headers) {
      if (k == "X-Linked-Etag") v = "\"../../../../x\"";
    }
  });
  BlobSource source{fx_.url() + "/test/stories/resolve/main/stories-F32.gguf", std::nullopt, std::nullopt,
                    std::nullopt};
  Result<Digest> d = download_blob(home_.layout(), source, options_);
  ASSERT_TRUE(d.ok()) << d.status().to_string();
  EXPECT_EQ(d->hex(), fx_.tiny().hex) << "named by its bytes";
}

TEST_F(BlobDownloadTest, TooLittleFreeSpaceIsRefusedBeforeAnyByte) {
  const uint64_t size = fx_.stories().bytes.size();
  std::string probed;
  options_.free_bytes = [&](const std::string& dir) -> Result<uint64_t> {
    probed = dir;
    return size - 1;
  };
  Result<Digest> d = download_blob(home_.layout(), stories_source(), options_);
  ASSERT_FALSE(d.ok());
  EXPECT_EQ(d.status().code(), StatusCode::kResourceExhausted);
  EXPECT_EQ(d.status().message().find('\n'), std::string::npos);
  EXPECT_NE(d.status().message().find("needs " + std::to_string(size / 1000000) + "."), std::string::npos)
      << d.status().message();
  EXPECT_NE(d.status().message().find("free"), std::string::npos);
  EXPECT_EQ(probed, home_.layout().tmp_dir());
  EXPECT_EQ(fx_.server().requests_to(fx_.blob_path(fx_.stories().hex)), 0u);
  EXPECT_FALSE(fs::exists(blob_path()));
}

TEST_F(BlobDownloadTest, WhatIsOnDiskCountsTowardsTheNeed) {
  const std::string& bytes = fx_.stories().bytes;
  write_partial(bytes.substr(0, bytes.size() / 2));
  const uint64_t missing = bytes.size() - bytes.size() / 2;
  options_.free_bytes = [&](const std::string&) -> Result<uint64_t> { return missing; };
  Result<Digest> d = download_blob(home_.layout(), stories_source(), options_);
  ASSERT_TRUE(d.ok()) << d.status().to_string();
  EXPECT_EQ(testing::slurp(blob_path()), bytes);
}

TEST_F(BlobDownloadTest, ParallelPartsNeedRoomOnce) {
  const uint64_t size = fx_.stories().bytes.size();
  options_.parallel_min_size = 1000;
  options_.parallel_parts = 4;
  uint64_t free = size - 1;
  options_.free_bytes = [&](const std::string&) -> Result<uint64_t> { return free; };
  Result<Digest> d = download_blob(home_.layout(), stories_source(), options_);
  ASSERT_FALSE(d.ok());
  EXPECT_EQ(d.status().code(), StatusCode::kResourceExhausted);
  EXPECT_EQ(fx_.server().log().size(), 0u);
  free = size;
  d = download_blob(home_.layout(), stories_source(), options_);
  ASSERT_TRUE(d.ok()) << d.status().to_string();
  EXPECT_EQ(testing::slurp(blob_path()), fx_.stories().bytes);
}

TEST_F(BlobDownloadTest, AFailingFreeSpaceProbeIsAnErrorNotADownload) {
  options_.free_bytes = [](const std::string& dir) -> Result<uint64_t> { return io_error("statvfs " + dir); };
  Result<Digest> d = download_blob(home_.layout(), stories_source(), options_);
  ASSERT_FALSE(d.ok());
  EXPECT_EQ(d.status().code(), StatusCode::kIoError);
  EXPECT_EQ(fx_.server().log().size(), 0u);
}

TEST_F(BlobDownloadTest, A404IsNotRetried) {
  BlobSource source = stories_source();
  source.url = fx_.url() + "/v2/library/stories260K/blobs/sha256:" + std::string(64, '0');
  Result<Digest> d = download_blob(home_.layout(), source, options_);
  ASSERT_FALSE(d.ok());
  EXPECT_EQ(d.status().code(), StatusCode::kNotFound) << d.status().to_string();
  EXPECT_EQ(fx_.server().log().size(), 1u);
}

}  // namespace
}  // namespace herd::store
