#include "runtime/model_spec.h"

#include <algorithm>

namespace herd {

bool ModelSpec::answers_to(const std::string& name) const {
  return name == id || std::find(names.begin(), names.end(), name) != names.end();
}

}  // namespace herd
