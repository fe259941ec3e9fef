#include "grammar/grammar_graft.h"

#include <string>

namespace herd::grammar {

Status graft_rule(Grammar* host, std::string_view name, const Grammar& guest) {
  int32_t at = -1;
  for (size_t i = 0; i < host->rules.size(); ++i) {
    if (host->rules[i].name == name) at = static_cast<int32_t>(i);
  }
  if (at < 0) return not_found("no rule '" + std::string(name) + "' to graft onto");
  const int32_t offset = static_cast<int32_t>(host->rules.size());
  for (const Rule& r : guest.rules) {
    Rule copy = r;
    copy.name = std::string(name) + "." + r.name;
    for (Sequence& seq : copy.alternatives) {
      for (Element& e : seq) {
        if (e.kind == Element::Kind::kRule) e.rule += offset;
      }
    }
    host->rules.push_back(std::move(copy));
  }
  Element root;
  root.kind = Element::Kind::kRule;
  root.rule = offset + guest.root;
  host->rules[static_cast<size_t>(at)].alternatives = {Sequence{root}};
  return Status();
}

}  // namespace herd::grammar
