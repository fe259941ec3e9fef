// A model from the shared test data (../shared), for test fixtures: nullptr, with the
// reason recorded as a test failure, when the file is missing or does not load.
#pragma once

#include <gtest/gtest.h>

#include <filesystem>
#include <memory>

#include "model/model.h"

namespace herd::testing {

inline std::unique_ptr<Model> load_shared_model(const std::filesystem::path& path) {
  if (!std::filesystem::exists(path)) {
    ADD_FAILURE() << "no " << path;
    return nullptr;
  }
  Result<std::unique_ptr<Model>> m = Model::load(path.string());
  if (!m.ok()) {
    ADD_FAILURE() << m.status().to_string();
    return nullptr;
  }
  return std::move(m).value();
}

}  // namespace herd::testing
