#include "model/model.h"

#include <exception>
#include <new>

#include "model/arch/architectures.h"

namespace herd {

Result<std::unique_ptr<Model>> Model::load(const std::string& path) {
  HERD_ASSIGN_OR_RETURN(std::unique_ptr<GgufFile> file, GgufFile::open(path));
  Result<std::unique_ptr<Model>> model = from_gguf(std::move(file));
  if (!model.ok()) return model.status().with_context(path);
  return model;
}

Result<std::unique_ptr<Model>> Model::from_gguf(std::unique_ptr<GgufFile> file) {
  // Counts are checked against the file before they size anything; this barrier keeps a
  // case that slipped through (or a real shortage of memory) a Status, never a throw.
  try {
    return build(std::move(file));
  } catch (const std::bad_alloc&) {
    return resource_exhausted("out of memory while loading the model");
  } catch (const std::exception& e) {
    return internal_error(std::string("loading the model failed: ") + e.what());
  }
}

Result<std::unique_ptr<Model>> Model::build(std::unique_ptr<GgufFile> file) {
  HERD_ASSIGN_OR_RETURN(std::string_view arch, file->get_string("general.architecture"));
  const ArchLoader* loader = find_arch_loader(arch);
  if (loader == nullptr) {
    return unsupported("architecture \"" + std::string(arch) + "\" is not supported (herd runs: " +
                       supported_architectures() + ")");
  }
  std::unique_ptr<Model> model(new Model());
  HERD_ASSIGN_OR_RETURN(model->hparams_, read_hparams(*file, std::string(arch)));
  HERD_RETURN_IF_ERROR(loader->load(*file, &model->hparams_, &model->weights_));
  model->file_ = std::move(file);
  return model;
}

}  // namespace herd
