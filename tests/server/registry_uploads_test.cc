#include "server/registry_uploads.h"

#include <gtest/gtest.h>

#include <filesystem>

#include "../support/temp_dir.h"

namespace herd::server {
namespace {

namespace fs = std::filesystem;

int files_in(const std::string& dir) {
  int n = 0;
  for (const auto& e : fs::directory_iterator(dir)) n += e.is_regular_file() && e.path().extension() == ".partial";
  return n;
}

TEST(UploadSessionsTest, TooManyAtOnceAreRefusedUntilOneEnds) {
  herd::testing::TempDir home;
  const store::StoreLayout layout(home.path());
  UploadParams params;
  params.max_uploads = 2;
  UploadSessions uploads(layout, params);
  Result<std::string> a = uploads.start(), b = uploads.start();
  ASSERT_TRUE(a.ok() && b.ok());
  EXPECT_NE(*a, *b);
  EXPECT_EQ(uploads.start().status().code(), StatusCode::kResourceExhausted);
  EXPECT_TRUE(uploads.cancel(*a));
  EXPECT_FALSE(uploads.cancel(*a));
  EXPECT_EQ(files_in(layout.tmp_dir()), 1);
  EXPECT_TRUE(uploads.start().ok());
}

TEST(UploadSessionsTest, IdleUploadsExpireAndUnfinishedFilesGoWithTheSessions) {
  herd::testing::TempDir home;
  const store::StoreLayout layout(home.path());
  UploadParams params;
  params.max_uploads = 1;
  params.idle_limit = std::chrono::seconds(-1);  // everything is idle
  {
    UploadSessions uploads(layout, params);
    Result<std::string> a = uploads.start();
    ASSERT_TRUE(a.ok());
    ASSERT_TRUE(uploads.append(*a, std::nullopt, "abc").ok());
    Result<std::string> b = uploads.start();  // a expires to make room
    ASSERT_TRUE(b.ok()) << b.status().to_string();
    EXPECT_EQ(uploads.append(*a, std::nullopt, "d").status().code(), StatusCode::kNotFound);
    EXPECT_EQ(files_in(layout.tmp_dir()), 1);
  }
  EXPECT_EQ(files_in(layout.tmp_dir()), 0);
}

TEST(UploadSessionsTest, FinishedBlobIsCheckedAndStored) {
  herd::testing::TempDir home;
  const store::StoreLayout layout(home.path());
  UploadSessions uploads(layout, {});
  Result<std::string> id = uploads.start();
  ASSERT_TRUE(id.ok());
  Result<uint64_t> size = uploads.append(*id, 0, "hello ");
  ASSERT_TRUE(size.ok());
  EXPECT_EQ(*size, 6u);
  EXPECT_EQ(uploads.append(*id, 3, "x").status().code(), StatusCode::kOutOfRange);
  ASSERT_TRUE(uploads.finish(*id, "world", store::sha256_of("hello world")).ok());
  EXPECT_TRUE(fs::exists(layout.blob_path(store::sha256_of("hello world"))));
  EXPECT_EQ(uploads.finish(*id, "", store::sha256_of("hello world")).code(), StatusCode::kNotFound);
  EXPECT_EQ(files_in(layout.tmp_dir()), 0);
}

}  // namespace
}  // namespace herd::server
