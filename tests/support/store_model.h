// A model written into a store the way a pull leaves it: the GGUF and a config blob, and a
// manifest naming both (for the registry and push tests).
#pragma once

#include <gtest/gtest.h>

#include <fstream>
#include <iterator>
#include <string>

#include "store/manifest.h"
#include "store/model_store.h"

namespace herd::testing {

struct StoredTestModel {
  store::Descriptor config;
  store::Descriptor model;
  std::string manifest;  // the bytes as stored
};

inline std::string read_whole_file(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  return std::string((std::istreambuf_iterator<char>(in)), {});
}

inline StoredTestModel put_test_model(const store::StoreLayout& layout, const store::ModelRef& ref,
                                      const std::string& gguf_bytes) {
  StoredTestModel out;
  store::ModelConfig c;
  c.model_family = "llama";
  c.file_type = "F32";
  const std::string config = c.to_json();
  Result<store::Digest> config_digest = store::put_blob_bytes(layout, config);
  Result<store::Digest> model_digest = store::put_blob_bytes(layout, gguf_bytes);
  EXPECT_TRUE(config_digest.ok() && model_digest.ok());
  out.config = {std::string(store::kConfigMediaType), *config_digest, config.size()};
  out.model = {store::layer_media_type(store::LayerKind::kModel), *model_digest, gguf_bytes.size()};
  store::Manifest m;
  m.config = out.config;
  m.layers.push_back(out.model);
  out.manifest = m.to_json();
  const Status put = store::ModelStore(layout).put_manifest(ref, out.manifest);
  EXPECT_TRUE(put.ok()) << put.to_string();
  return out;
}

}  // namespace herd::testing
