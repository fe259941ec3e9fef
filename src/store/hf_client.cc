#include "store/hf_client.h"

#include <algorithm>
#include <cctype>

#include <nlohmann/json.hpp>

#include "store/http_fetch.h"
#include "store/quant_tag.h"

namespace herd::store {
namespace {

constexpr uint64_t kMaxTreeBytes = uint64_t(16) << 20;

// The path goes into a URL as it is, so only characters that need no escaping pass.
bool safe_repo_path(std::string_view path) {
  if (path.empty() || path.size() > 1024) return false;
  size_t start = 0;
  while (start <= path.size()) {
    const size_t end = std::min(path.find('/', start), path.size());
    const std::string_view seg = path.substr(start, end - start);
    if (seg.empty() || seg == "." || seg == "..") return false;
    for (char c : seg) {
      if (!std::isalnum(static_cast<unsigned char>(c)) && c != '.' && c != '_' && c != '-' && c != '+') return false;
    }
    start = end + 1;
  }
  return true;
}

std::string base_name(const std::string& path) {
  const size_t slash = path.rfind('/');
  return slash == std::string::npos ? path : path.substr(slash + 1);
}

bool is_gguf(const HfFile& f) {
  const std::string name = ascii_lower(base_name(f.path));
  return name.size() > 5 && name.ends_with(".gguf") && name.find("mmproj") == std::string::npos;
}

}  // namespace

Result<std::vector<HfFile>> parse_hf_tree(std::string_view json) {
  nlohmann::json j = nlohmann::json::parse(json, nullptr, /*allow_exceptions=*/false);
  if (!j.is_array()) return corrupt_file("the repository's file list is not a JSON array");
  std::vector<HfFile> files;
  for (const auto& e : j) {
    if (!e.is_object() || !e.contains("type") || e["type"] != "file" || !e.contains("path") || !e["path"].is_string())
      continue;
    HfFile f;
    f.path = e["path"].get<std::string>();
    if (!safe_repo_path(f.path)) continue;
    if (e.contains("size") && e["size"].is_number_unsigned()) f.size = e["size"].get<uint64_t>();
    if (e.contains("lfs") && e["lfs"].is_object()) {
      const auto& lfs = e["lfs"];
      if (lfs.contains("size") && lfs["size"].is_number_unsigned()) f.size = lfs["size"].get<uint64_t>();
      if (lfs.contains("oid") && lfs["oid"].is_string()) {
        Result<Digest> d = Digest::from_hex(lfs["oid"].get<std::string>());
        if (!d.ok()) return corrupt_file("file " + f.path + ": an LFS oid that is not a sha256");
        f.digest = *d;
      }
    }
    files.push_back(std::move(f));
  }
  return files;
}

Result<HfFile> choose_hf_gguf(const std::vector<HfFile>& files, std::string_view tag) {
  std::vector<const HfFile*> ggufs;
  for (const HfFile& f : files) {
    if (is_gguf(f)) ggufs.push_back(&f);
  }
  if (ggufs.empty()) return not_found("the repository has no .gguf file");
  // The file whose quant (a whole word of its name) is `quant`; for a tag that is no quant
  // name, the first file whose name contains it.
  auto with = [&](std::string_view quant) -> const HfFile* {
    const std::string q = ascii_lower(quant);
    for (const HfFile* f : ggufs) {
      const std::optional<std::string> tag = quant_tag_of(base_name(f->path));
      if (tag && ascii_lower(*tag) == q) return f;
    }
    for (const HfFile* f : ggufs) {
      if (!quant_tag_of(quant) && ascii_lower(base_name(f->path)).find(q) != std::string::npos) return f;
    }
    return nullptr;
  };
  if (tag == kDefaultTag) {
    for (std::string_view preferred : {"Q4_K_M", "Q8_0"}) {
      if (const HfFile* f = with(preferred)) return *f;
    }
    return *ggufs.front();
  }
  if (const HfFile* f = with(tag)) return *f;
  std::string names;
  for (const HfFile* f : ggufs) names += (names.empty() ? "" : ", ") + base_name(f->path);
  return not_found("no .gguf file for \"" + std::string(tag) + "\" (there are: " + names + ")");
}

std::string hf_tree_url(const std::string& endpoint, const ModelRef& ref) {
  return endpoint + "/api/models/" + ref.ns + "/" + ref.model + "/tree/main?recursive=true";
}

std::string hf_resolve_url(const std::string& endpoint, const ModelRef& ref, const std::string& path) {
  return endpoint + "/" + ref.ns + "/" + ref.model + "/resolve/main/" + path;
}

Result<HfFile> find_hf_gguf(const std::string& endpoint, const ModelRef& ref, const std::optional<std::string>& token,
                            int connect_timeout_s, int stall_timeout_s) {
  HttpRequest req;
  req.url = hf_tree_url(endpoint, ref);
  req.bearer_token = token;
  req.connect_timeout_s = connect_timeout_s;
  req.stall_timeout_s = stall_timeout_s;
  Result<std::string> body = http_get_text(req, kMaxTreeBytes);
  if (!body.ok()) return body.status().with_context("listing " + ref.short_name());
  HERD_ASSIGN_OR_RETURN(const std::vector<HfFile> files, parse_hf_tree(*body));
  Result<HfFile> f = choose_hf_gguf(files, ref.tag);
  if (!f.ok()) return f.status().with_context(ref.short_name());
  return f;
}

}  // namespace herd::store
