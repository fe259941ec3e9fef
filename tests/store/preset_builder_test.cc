#include "store/preset_builder.h"

#include <gtest/gtest.h>
#include <sys/stat.h>

#include <filesystem>
#include <fstream>

#include "../support/temp_dir.h"
#include "store/blob_import.h"

namespace herd::store {
namespace {

namespace fs = std::filesystem;

class PresetBuilderTest : public ::testing::Test {
 protected:
  PresetBuilderTest() : store_(StoreLayout(home_ / "home")) {
    std::ofstream(work_ / "base.gguf") << "pretend GGUF bytes";
    std::ofstream(work_ / "lora.gguf") << "pretend adapter";
    sources_.base_dir = work_.path();
    sources_.describe = [](const std::string&) {
      ModelConfig c;
      c.model_family = "llama";
      c.file_type = "F32";
      return c;
    };
  }

  Result<Digest> create(const std::string& name, const std::string& herdfile) {
    Result<Herdfile> h = Herdfile::parse(herdfile);
    if (!h.ok()) return h.status();
    return create_preset(store_, *ModelRef::parse(name), *h, sources_);
  }

  testing::TempDir home_, work_;
  ModelStore store_;
  PresetSources sources_;
};

TEST_F(PresetBuilderTest, FromAFileImportsIt) {
  Result<Digest> d = create("base", "FROM base.gguf\nPARAMETER temperature 0.5\n");
  ASSERT_TRUE(d.ok()) << d.status().to_string();
  Result<ResolvedModel> r = store_.resolve(*ModelRef::parse("base"));
  ASSERT_TRUE(r.ok()) << r.status().to_string();
  EXPECT_EQ(r->model_path, store_.layout().blob_path(sha256_of("pretend GGUF bytes")));
  EXPECT_EQ(r->params["temperature"], 0.5);
  Result<StoreEntry> e = store_.entry(*ModelRef::parse("base"));
  ASSERT_TRUE(e.ok());
  EXPECT_EQ(e->manifest_digest, *d);
  EXPECT_EQ(e->config.model_family, "llama");
  EXPECT_EQ(e->config.diff_ids.size(), e->manifest.layers.size());
}

TEST_F(PresetBuilderTest, FromANameSharesTheBlobAndInherits) {
  ASSERT_TRUE(create("base", "FROM base.gguf\nSYSTEM base system\nPARAMETER temperature 0.5\nPARAMETER top_k 7\n").ok());
  ASSERT_TRUE(create("me/pirate", "FROM base\nSYSTEM Arr.\nPARAMETER temperature 0.1\nADAPTER lora.gguf\n"
                                  "MESSAGE user hi\n").ok());
  Result<ResolvedModel> base = store_.resolve(*ModelRef::parse("base"));
  Result<ResolvedModel> pirate = store_.resolve(*ModelRef::parse("me/pirate"));
  ASSERT_TRUE(base.ok() && pirate.ok());
  EXPECT_EQ(pirate->model_path, base->model_path);  // one file, one mmap
  EXPECT_EQ(pirate->system, "Arr.");
  EXPECT_EQ(pirate->params["temperature"], 0.1);  // overridden
  EXPECT_EQ(pirate->params["top_k"], 7);          // inherited
  ASSERT_TRUE(pirate->adapter_path.has_value());
  EXPECT_EQ(*pirate->adapter_path, store_.layout().blob_path(sha256_of("pretend adapter")));
  ASSERT_EQ(pirate->messages.size(), 1u);
  EXPECT_EQ(base->system, "base system");  // the base is untouched
}

TEST_F(PresetBuilderTest, FailuresWriteNoManifest) {
  EXPECT_EQ(create("x", "FROM nothing-here\n").status().code(), StatusCode::kNotFound);
  EXPECT_FALSE(create("y", "FROM base.gguf\nADAPTER missing.gguf\n").ok());
  EXPECT_FALSE(store_.contains(*ModelRef::parse("x")));
  EXPECT_FALSE(store_.contains(*ModelRef::parse("y")));
}

TEST_F(PresetBuilderTest, ImportVerifiesAndLinks) {
  const std::string path = work_ / "base.gguf";
  const Digest right = sha256_of("pretend GGUF bytes");
  const Digest wrong = sha256_of("other");
  Result<ImportedBlob> bad = import_blob_file(store_.layout(), path, wrong, ImportMode::kLinkOrCopy);
  EXPECT_EQ(bad.status().code(), StatusCode::kCorruptFile);
  EXPECT_FALSE(store_.has_blob(wrong));
  EXPECT_FALSE(store_.has_blob(right));
  Result<ImportedBlob> copied = import_blob_file(store_.layout(), path, wrong, ImportMode::kCopy);
  EXPECT_EQ(copied.status().code(), StatusCode::kCorruptFile);
  EXPECT_TRUE(fs::is_empty(store_.layout().tmp_dir()));
  Result<ImportedBlob> linked = import_blob_file(store_.layout(), path, right, ImportMode::kLinkOrCopy);
  ASSERT_TRUE(linked.ok()) << linked.status().to_string();
  EXPECT_TRUE(linked->linked);  // the same file system: no bytes copied
  struct stat a {}, b {};
  ASSERT_EQ(::stat(path.c_str(), &a), 0);
  ASSERT_EQ(::stat(store_.layout().blob_path(right).c_str(), &b), 0);
  EXPECT_EQ(a.st_ino, b.st_ino);
  Result<ImportedBlob> again = import_blob_file(store_.layout(), path, right, ImportMode::kCopy);
  ASSERT_TRUE(again.ok());
  EXPECT_TRUE(again->existed);
}

}  // namespace
}  // namespace herd::store
