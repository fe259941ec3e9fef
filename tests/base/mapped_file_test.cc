#include "base/mapped_file.h"

#include <gtest/gtest.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cstdint>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <string>
#include <utility>
#include <vector>

namespace herd {
namespace {

namespace fs = std::filesystem;

class MappedFileTest : public ::testing::Test {
 protected:
  void SetUp() override {
    std::string tmpl = (fs::temp_directory_path() / "herd_mapped_file_XXXXXX").string();
    ASSERT_NE(mkdtemp(tmpl.data()), nullptr);
    dir_ = tmpl;
  }
  void TearDown() override {
    std::error_code ec;
    fs::remove_all(dir_, ec);
  }

  std::string write_file(const std::string& name, const std::vector<uint8_t>& bytes) {
    fs::path p = dir_ / name;
    std::ofstream out(p, std::ios::binary);
    out.write(reinterpret_cast<const char*>(bytes.data()), static_cast<std::streamsize>(bytes.size()));
    out.close();
    return p.string();
  }

  // Bytes that differ at every offset so a misplaced read shows.
  static std::vector<uint8_t> pattern(size_t n) {
    std::vector<uint8_t> v(n);
    for (size_t i = 0; i < n; ++i) v[i] = static_cast<uint8_t>((i * 131 + i / 256) & 0xff);
    return v;
  }

  fs::path dir_;
};

TEST_F(MappedFileTest, MapsAndReadsEveryByte) {
  const std::vector<uint8_t> want = pattern(3 * 4096 + 17);  // spans several pages
  const std::string path = write_file("data.bin", want);
  Result<MappedFile> r = MappedFile::open(path);
  ASSERT_TRUE(r.ok()) << r.status().to_string();
  const MappedFile& f = *r;
  EXPECT_EQ(f.path(), path);
  ASSERT_EQ(f.size(), want.size());
  ASSERT_NE(f.data(), nullptr);
  EXPECT_EQ(f.bytes().data(), f.data());
  EXPECT_EQ(f.bytes().size(), want.size());
  EXPECT_EQ(std::vector<uint8_t>(f.bytes().begin(), f.bytes().end()), want);
}

TEST_F(MappedFileTest, SmallFile) {
  const std::string path = write_file("small.bin", {'G', 'G', 'U', 'F'});
  Result<MappedFile> r = MappedFile::open(path);
  ASSERT_TRUE(r.ok()) << r.status().to_string();
  ASSERT_EQ(r->size(), 4u);
  EXPECT_EQ(r->data()[0], 'G');
  EXPECT_EQ(r->data()[3], 'F');
}

TEST_F(MappedFileTest, MissingFileIsNotFoundNamingThePath) {
  const std::string path = (dir_ / "no_such_model.gguf").string();
  Result<MappedFile> r = MappedFile::open(path);
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.status().code(), StatusCode::kNotFound);
  EXPECT_NE(r.status().message().find(path), std::string::npos) << r.status().message();
}

TEST_F(MappedFileTest, MissingParentDirectoryIsNotFound) {
  const std::string path = (dir_ / "nope" / "model.gguf").string();
  Result<MappedFile> r = MappedFile::open(path);
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.status().code(), StatusCode::kNotFound);
  EXPECT_NE(r.status().message().find(path), std::string::npos);
}

TEST_F(MappedFileTest, DirectoryIsAnError) {
  Result<MappedFile> r = MappedFile::open(dir_.string());
  ASSERT_FALSE(r.ok());
  EXPECT_NE(r.status().code(), StatusCode::kOk);
  EXPECT_NE(r.status().message().find(dir_.string()), std::string::npos) << r.status().message();
}

TEST_F(MappedFileTest, UnreadableFileIsAnErrorNamingThePath) {
  if (geteuid() == 0) GTEST_SKIP() << "root reads files regardless of mode";
  const std::string path = write_file("secret.bin", {1, 2, 3});
  ASSERT_EQ(chmod(path.c_str(), 0), 0);
  Result<MappedFile> r = MappedFile::open(path);
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.status().code(), StatusCode::kIoError);
  EXPECT_NE(r.status().message().find(path), std::string::npos);
}

TEST_F(MappedFileTest, PathThroughAFileIsAnIoError) {
  const std::string file = write_file("plain.bin", {1, 2, 3});
  const std::string path = file + "/child";  // ENOTDIR: an error other than "missing"
  Result<MappedFile> r = MappedFile::open(path);
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.status().code(), StatusCode::kIoError);
  EXPECT_NE(r.status().message().find(path), std::string::npos);
}

TEST_F(MappedFileTest, DeviceIsNotARegularFile) {
  Result<MappedFile> r = MappedFile::open("/dev/null");
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.status().code(), StatusCode::kInvalidArgument);
  EXPECT_NE(r.status().message().find("/dev/null"), std::string::npos);
}

TEST_F(MappedFileTest, EmptyFileIsOk) {
  const std::string path = write_file("empty.bin", {});
  Result<MappedFile> r = MappedFile::open(path);
  ASSERT_TRUE(r.ok()) << r.status().to_string();
  EXPECT_EQ(r->size(), 0u);
  EXPECT_TRUE(r->bytes().empty());
  EXPECT_EQ(r->path(), path);
}

TEST_F(MappedFileTest, DefaultIsEmpty) {
  MappedFile f;
  EXPECT_EQ(f.data(), nullptr);
  EXPECT_EQ(f.size(), 0u);
  EXPECT_TRUE(f.path().empty());
}

TEST_F(MappedFileTest, MoveConstructTransfersTheMapping) {
  const std::vector<uint8_t> want = pattern(5000);
  const std::string path = write_file("a.bin", want);
  Result<MappedFile> r = MappedFile::open(path);
  ASSERT_TRUE(r.ok());
  MappedFile a = std::move(r).value();
  const uint8_t* data = a.data();
  MappedFile b(std::move(a));
  EXPECT_EQ(b.data(), data);
  EXPECT_EQ(b.size(), want.size());
  EXPECT_EQ(b.path(), path);
  EXPECT_EQ(a.data(), nullptr);  // NOLINT(bugprone-use-after-move): moved-from state is specified
  EXPECT_EQ(a.size(), 0u);
  { MappedFile dead = std::move(b); EXPECT_EQ(dead.data(), data); }  // unmaps here
  EXPECT_EQ(b.data(), nullptr);
}

TEST_F(MappedFileTest, MovedToSurvivesTheSource) {
  const std::vector<uint8_t> want = pattern(8192);
  const std::string path = write_file("b.bin", want);
  MappedFile keep;
  {
    Result<MappedFile> r = MappedFile::open(path);
    ASSERT_TRUE(r.ok());
    MappedFile tmp = std::move(r).value();
    keep = std::move(tmp);
  }  // tmp destroyed: must not unmap what keep now owns
  ASSERT_EQ(keep.size(), want.size());
  EXPECT_EQ(std::vector<uint8_t>(keep.bytes().begin(), keep.bytes().end()), want);
}

TEST_F(MappedFileTest, MoveAssignReplacesTheOldMapping) {
  const std::vector<uint8_t> first = pattern(100);
  std::vector<uint8_t> second = pattern(7000);
  second[0] ^= 0xff;
  const std::string p1 = write_file("first.bin", first);
  const std::string p2 = write_file("second.bin", second);
  Result<MappedFile> r1 = MappedFile::open(p1);
  Result<MappedFile> r2 = MappedFile::open(p2);
  ASSERT_TRUE(r1.ok());
  ASSERT_TRUE(r2.ok());
  MappedFile a = std::move(r1).value();
  MappedFile b = std::move(r2).value();
  a = std::move(b);
  EXPECT_EQ(a.path(), p2);
  ASSERT_EQ(a.size(), second.size());
  EXPECT_EQ(std::vector<uint8_t>(a.bytes().begin(), a.bytes().end()), second);
  EXPECT_EQ(b.data(), nullptr);  // NOLINT(bugprone-use-after-move)
  EXPECT_EQ(b.size(), 0u);

  // Self-move leaves the mapping intact.
  MappedFile& alias = a;
  a = std::move(alias);
  ASSERT_EQ(a.size(), second.size());
  EXPECT_EQ(a.data()[0], second[0]);
}

TEST_F(MappedFileTest, TwoMapsOfOneFileAreIndependent) {
  const std::vector<uint8_t> want = pattern(4096);
  const std::string path = write_file("shared.bin", want);
  Result<MappedFile> r1 = MappedFile::open(path);
  ASSERT_TRUE(r1.ok());
  {
    Result<MappedFile> r2 = MappedFile::open(path);
    ASSERT_TRUE(r2.ok());
    EXPECT_EQ(r2->size(), want.size());
  }
  EXPECT_EQ(std::vector<uint8_t>(r1->bytes().begin(), r1->bytes().end()), want);
}

// Opening a FIFO for reading blocks until a writer comes: the check must come first (a
// regression hangs here until the test times out).
TEST_F(MappedFileTest, RefusesFifoWithoutBlocking) {
  const std::string path = (dir_ / "model.gguf").string();
  ASSERT_EQ(mkfifo(path.c_str(), 0600), 0);
  Result<MappedFile> r = MappedFile::open(path);
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.status().code(), StatusCode::kInvalidArgument);
  EXPECT_EQ(r.status().message(), path + ": not a regular file (a FIFO)");

  const std::string link = (dir_ / "link.gguf").string();
  ASSERT_EQ(symlink(path.c_str(), link.c_str()), 0);
  r = MappedFile::open(link);
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.status().message(), link + ": not a regular file (a FIFO)");
}

TEST_F(MappedFileTest, RefusesDirectoriesAndDevices) {
  Result<MappedFile> r = MappedFile::open(dir_.string());
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.status().message(), dir_.string() + ": not a regular file (a directory)");
  r = MappedFile::open("/dev/zero");
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.status().message(), "/dev/zero: not a regular file (a character device)");
}

}  // namespace
}  // namespace herd
