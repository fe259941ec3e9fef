#include "tokenizer/special_token_matcher.h"

#include <map>

namespace herd {

SpecialTokenMatcher::SpecialTokenMatcher(const Vocab& vocab) {
  const auto specials = vocab.special_tokens();
  if (specials.empty()) return;
  // A map-based trie first, then flattened so that each node's children are contiguous.
  struct BuildNode {
    int32_t rank = -1;
    std::map<uint8_t, uint32_t> children;
  };
  std::vector<BuildNode> build(1);
  for (size_t rank = 0; rank < specials.size(); ++rank) {
    const std::string_view text = vocab.text(specials[rank]);
    uint32_t node = 0;
    for (char c : text) {
      const auto b = static_cast<uint8_t>(c);
      auto it = build[node].children.find(b);
      if (it == build[node].children.end()) {
        build.emplace_back();
        it = build[node].children.emplace(b, static_cast<uint32_t>(build.size() - 1)).first;
      }
      node = it->second;
    }
    if (build[node].rank < 0) build[node].rank = static_cast<int32_t>(rank);
    starts_[static_cast<uint8_t>(text[0])] = true;
  }
  nodes_.resize(build.size());
  for (size_t i = 0; i < build.size(); ++i) {
    nodes_[i].rank = build[i].rank;
    nodes_[i].first = static_cast<uint32_t>(edges_.size());
    nodes_[i].count = static_cast<uint32_t>(build[i].children.size());
    for (const auto& [byte, node] : build[i].children) edges_.push_back({byte, node});
  }
}

}  // namespace herd
