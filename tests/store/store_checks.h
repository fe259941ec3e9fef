// Test helpers for the store: a temporary $HERD_HOME inside a directory the test owns (so a test
// can see that nothing was written beside it), and the invariants every pull must keep.
#pragma once

#include <gtest/gtest.h>

#include <filesystem>
#include <string>

#include "store/digest.h"
#include "store/manifest.h"
#include "store/store_layout.h"
#include "../support/herd_process.h"
#include "../support/temp_dir.h"

namespace herd::testing {

class TempHome {
 public:
  TempHome() { std::filesystem::create_directories(home()); }

  std::filesystem::path root() const { return dir_.path(); }
  std::string home() const { return dir_ / "home"; }
  store::StoreLayout layout() const { return store::StoreLayout(home()); }

 private:
  TempDir dir_;
};

// Every blob's name is the sha256 of its bytes; every manifest names only blobs that are there;
// nothing was written next to $HERD_HOME.
inline void expect_store_sane(const TempHome& home) {
  namespace fs = std::filesystem;
  const store::StoreLayout layout = home.layout();
  for (const auto& e : fs::directory_iterator(home.root())) {
    EXPECT_EQ(e.path().filename(), "home") << "written outside $HERD_HOME: " << e.path();
  }
  if (fs::exists(layout.blobs_dir())) {
    for (const auto& e : fs::directory_iterator(layout.blobs_dir())) {
      const std::string name = e.path().filename().string();
      ASSERT_EQ(name.rfind("sha256-", 0), 0u) << "a stray file in blobs/: " << name;
      EXPECT_EQ("sha256-" + store::sha256_of(slurp(e.path())).hex(), name) << "a blob that is not its name";
    }
  }
  if (fs::exists(layout.manifests_dir())) {
    for (const auto& e : fs::recursive_directory_iterator(layout.manifests_dir())) {
      if (!e.is_regular_file()) continue;
      Result<store::Manifest> m = store::Manifest::parse(slurp(e.path()));
      ASSERT_TRUE(m.ok()) << e.path() << ": " << m.status().to_string();
      EXPECT_TRUE(fs::exists(layout.blob_path(m->config.digest))) << "manifest without its config";
      for (const auto& l : m->layers) EXPECT_TRUE(fs::exists(layout.blob_path(l.digest))) << "manifest without a layer";
    }
  }
}

inline size_t count_files(const std::string& dir) {
  namespace fs = std::filesystem;
  if (!fs::exists(dir)) return 0;
  size_t n = 0;
  for (const auto& e : fs::recursive_directory_iterator(dir)) n += e.is_regular_file() ? 1 : 0;
  return n;
}

}  // namespace herd::testing
