// PartialFile: parts written at their offsets into one file, a record that lets a resume keep
// each part (after a kill, or under another split), a stream that keeps a split download's
// prefix, and the sha256 computed on another thread matching coreutils' view of the bytes.
#include "store/partial_file.h"

#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>
#include <random>
#include <thread>
#include <vector>

#include "../support/herd_process.h"
#include "../support/temp_dir.h"

namespace herd::store {
namespace {

namespace fs = std::filesystem;

std::string random_bytes(size_t n, uint32_t seed) {
  std::mt19937 rng(seed);
  std::string s(n, '\0');
  for (char& c : s) c = static_cast<char>(rng());
  return s;
}

// Writes `bytes`' slice of every part, `step` bytes at a time, parts in reverse order.
void fill(PartialFile& f, const std::string& bytes, uint64_t upto_each = UINT64_MAX) {
  for (int i = f.part_count() - 1; i >= 0; --i) {
    const uint64_t end = std::min(*f.part_length(i), upto_each);
    while (f.written(i) < end) {
      const uint64_t n = std::min<uint64_t>(7777, end - f.written(i));
      ASSERT_TRUE(f.append(i, std::string_view(bytes).substr(f.part_first(i) + f.written(i), n)).ok());
    }
  }
}

class PartialFileTest : public ::testing::Test {
 protected:
  std::string path() const { return dir_ / "blob.partial"; }
  testing::TempDir dir_;
  const std::string bytes_ = random_bytes(3 * 1024 * 1024 + 17, 7);
};

TEST_F(PartialFileTest, PartsLandAtTheirPlacesAndHashAsOneFile) {
  auto f = PartialFile::open_parts(path(), bytes_.size(), 5);
  ASSERT_TRUE(f.ok()) << f.status().to_string();
  EXPECT_EQ(fs::file_size(path()), bytes_.size()) << "the whole blob's room from the start";
  fill(**f, bytes_);
  Result<Digest> d = (*f)->finish();
  ASSERT_TRUE(d.ok()) << d.status().to_string();
  EXPECT_EQ(*d, sha256_of(bytes_));
  EXPECT_EQ(testing::slurp(path()), bytes_);
}

TEST_F(PartialFileTest, PartsWrittenFromManyThreadsAtOnceHashRight) {
  auto f = PartialFile::open_parts(path(), bytes_.size(), 8);
  ASSERT_TRUE(f.ok());
  std::vector<std::thread> threads;
  for (int i = 0; i < 8; ++i) {
    threads.emplace_back([&, i] {
      PartialFile& p = **f;
      while (p.written(i) < *p.part_length(i)) {
        const uint64_t n = std::min<uint64_t>(4096, *p.part_length(i) - p.written(i));
        ASSERT_TRUE(p.append(i, std::string_view(bytes_).substr(p.part_first(i) + p.written(i), n)).ok());
      }
    });
  }
  for (auto& t : threads) t.join();
  Result<Digest> d = (*f)->finish();
  ASSERT_TRUE(d.ok());
  EXPECT_EQ(*d, sha256_of(bytes_));
}

TEST_F(PartialFileTest, ARecordKeepsEachPartAcrossAReopen) {
  {
    auto f = PartialFile::open_parts(path(), bytes_.size(), 4);
    ASSERT_TRUE(f.ok());
    fill(**f, bytes_, 100000);  // then the process "dies": no finish
  }
  EXPECT_EQ(PartialFile::bytes_kept(path()), 4u * 100000);
  auto f = PartialFile::open_parts(path(), bytes_.size(), 4);
  ASSERT_TRUE(f.ok());
  for (int i = 0; i < 4; ++i) EXPECT_EQ((*f)->written(i), 100000u);
  fill(**f, bytes_);
  Result<Digest> d = (*f)->finish();
  ASSERT_TRUE(d.ok());
  EXPECT_EQ(*d, sha256_of(bytes_));
}

TEST_F(PartialFileTest, AnotherSplitKeepsTheContiguousPrefix) {
  const PartRange one = part_range(bytes_.size(), 4, 1);
  {
    auto f = PartialFile::open_parts(path(), bytes_.size(), 4);
    ASSERT_TRUE(f.ok());
    // Part 0 complete, part 1 started, part 3 started: the prefix runs into part 1.
    ASSERT_TRUE((*f)->append(0, std::string_view(bytes_).substr(0, one.first)).ok());
    ASSERT_TRUE((*f)->append(1, std::string_view(bytes_).substr(one.first, 1000)).ok());
    ASSERT_TRUE((*f)->append(3, std::string_view(bytes_).substr((*f)->part_first(3), 5000)).ok());
  }
  auto f = PartialFile::open_parts(path(), bytes_.size(), 2);
  ASSERT_TRUE(f.ok());
  EXPECT_EQ((*f)->written(0), one.first + 1000);
  EXPECT_EQ((*f)->written(1), 0u) << "part 3's bytes are no prefix of the new second half";
  fill(**f, bytes_);
  EXPECT_EQ(*(*f)->finish(), sha256_of(bytes_));
}

TEST_F(PartialFileTest, AStreamKeepsASplitDownloadsPrefixAndDropsTheRecord) {
  {
    auto f = PartialFile::open_parts(path(), bytes_.size(), 4);
    ASSERT_TRUE(f.ok());
    fill(**f, bytes_, 5000);
  }
  auto f = PartialFile::open_stream(path());
  ASSERT_TRUE(f.ok()) << f.status().to_string();
  EXPECT_EQ((*f)->written(0), 5000u) << "only part 0's bytes are a prefix";
  EXPECT_EQ(fs::file_size(path()), 5000u);
  EXPECT_FALSE(fs::exists(PartialFile::record_path(path())));
  ASSERT_TRUE((*f)->append(0, std::string_view(bytes_).substr(5000)).ok());
  EXPECT_EQ(*(*f)->finish(), sha256_of(bytes_));
}

TEST_F(PartialFileTest, AStreamThatStartsOverHashesOnlyTheNewBytes) {
  auto f = PartialFile::open_stream(path());
  ASSERT_TRUE(f.ok());
  ASSERT_TRUE((*f)->append(0, std::string_view(bytes_).substr(0, 2000000)).ok());
  ASSERT_TRUE((*f)->restart(0).ok());
  const std::string other = random_bytes(1500000, 9);
  ASSERT_TRUE((*f)->append(0, other).ok());
  EXPECT_EQ(*(*f)->finish(), sha256_of(other));
  EXPECT_EQ(testing::slurp(path()), other);
}

TEST_F(PartialFileTest, AStreamResumesFromTheFilesSize) {
  std::ofstream(path(), std::ios::binary) << bytes_.substr(0, 123456);
  auto f = PartialFile::open_stream(path());
  ASSERT_TRUE(f.ok());
  EXPECT_EQ((*f)->written(0), 123456u);
  EXPECT_EQ(PartialFile::bytes_kept(path()), 123456u);
  ASSERT_TRUE((*f)->append(0, std::string_view(bytes_).substr(123456)).ok());
  EXPECT_EQ(*(*f)->finish(), sha256_of(bytes_));
}

TEST_F(PartialFileTest, ARecordThatClaimsMoreThanTheFileHoldsIsDropped) {
  {
    auto f = PartialFile::open_parts(path(), bytes_.size(), 4);
    ASSERT_TRUE(f.ok());
    fill(**f, bytes_, 200000);
  }
  fs::resize_file(path(), 100);  // the bytes the record speaks of are gone
  EXPECT_EQ(PartialFile::bytes_kept(path()), 0u);
  auto f = PartialFile::open_parts(path(), bytes_.size(), 4);
  ASSERT_TRUE(f.ok());
  EXPECT_EQ((*f)->written_total(), 0u);
  fill(**f, bytes_);
  EXPECT_EQ(*(*f)->finish(), sha256_of(bytes_));
}

TEST_F(PartialFileTest, AGarbledRecordIsNoRecord) {
  {
    auto f = PartialFile::open_parts(path(), bytes_.size(), 4);
    ASSERT_TRUE(f.ok());
    fill(**f, bytes_, 1000);
  }
  std::ofstream(PartialFile::record_path(path()), std::ios::binary) << "HERDPRT1 but not a record";
  EXPECT_EQ(PartialFile::bytes_kept(path()), 0u);
  auto f = PartialFile::open_stream(path());
  ASSERT_TRUE(f.ok());
  EXPECT_EQ((*f)->written(0), 0u) << "nothing of a split file without its record can be trusted";
}

TEST_F(PartialFileTest, FinishRefusesIncompleteParts) {
  auto f = PartialFile::open_parts(path(), bytes_.size(), 3);
  ASSERT_TRUE(f.ok());
  fill(**f, bytes_, 10);
  Result<Digest> d = (*f)->finish();
  ASSERT_FALSE(d.ok());
  EXPECT_EQ(d.status().code(), StatusCode::kInternal);
}

TEST_F(PartialFileTest, RemoveTakesTheRecordToo) {
  {
    auto f = PartialFile::open_parts(path(), bytes_.size(), 3);
    ASSERT_TRUE(f.ok());
  }
  ASSERT_TRUE(fs::exists(PartialFile::record_path(path())));
  PartialFile::remove(path());
  EXPECT_TRUE(fs::is_empty(dir_.path()));
}

}  // namespace
}  // namespace herd::store
