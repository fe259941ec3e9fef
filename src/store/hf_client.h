// Hugging Face repositories: list a repo's files (/api/models/USER/REPO/tree/main), pick the
// GGUF a quant tag names, and download it from /USER/REPO/resolve/main/FILE.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "base/status.h"
#include "store/digest.h"
#include "store/model_ref.h"

namespace herd::store {

inline constexpr std::string_view kDefaultHfEndpoint = "https://huggingface.co";

struct HfFile {
  std::string path;               // inside the repo, e.g. "stories-Q8_0.gguf"
  uint64_t size = 0;
  std::optional<Digest> digest;   // the LFS oid (a sha256) when the file is in LFS
};

// The tree listing's files. Entries that are not files, or whose path is not a safe URL path
// (letters, digits, "._-+" and "/", no empty or dot segments), are left out.
Result<std::vector<HfFile>> parse_hf_tree(std::string_view json);

// The .gguf file for `tag`: with "latest", Q4_K_M, then Q8_0, then the first; otherwise the
// file whose quant (quant_tag_of its name) is the tag, case-insensitively, or for a tag that is
// no quant name the file whose name contains it. Projector files (mmproj) are never picked.
// kNotFound lists the quants there are.
Result<HfFile> choose_hf_gguf(const std::vector<HfFile>& files, std::string_view tag);

std::string hf_tree_url(const std::string& endpoint, const ModelRef& ref);
std::string hf_resolve_url(const std::string& endpoint, const ModelRef& ref, const std::string& path);

// Lists the repo and chooses the file (both steps above).
Result<HfFile> find_hf_gguf(const std::string& endpoint, const ModelRef& ref, const std::optional<std::string>& token,
                            int connect_timeout_s, int stall_timeout_s);

}  // namespace herd::store
