#include "grammar/grammar.h"

#include <vector>

namespace herd::grammar {
namespace {

// Rules that can match the empty string: an alternative is nullable once every element in it is
// a nullable rule, and a rule once one of its alternatives is. A worklist keeps this linear in the
// grammar's size (a pass-until-nothing-changes loop is quadratic on a long chain of rules).
std::vector<bool> nullable_rules(const Grammar& g) {
  std::vector<bool> nullable(g.rules.size(), false);
  struct Alt {
    int32_t rule;
    size_t pending;  // elements not yet known to be nullable rules
  };
  std::vector<Alt> alts;
  std::vector<std::vector<size_t>> used_in(g.rules.size());  // rule -> alternatives naming it
  std::vector<int32_t> work;
  for (size_t r = 0; r < g.rules.size(); ++r) {
    for (const Sequence& seq : g.rules[r].alternatives) {
      bool has_bytes = false;
      for (const Element& e : seq) has_bytes |= e.kind == Element::Kind::kBytes;
      if (has_bytes) continue;  // never nullable
      const size_t a = alts.size();
      alts.push_back({int32_t(r), seq.size()});
      for (const Element& e : seq) used_in[size_t(e.rule)].push_back(a);
      if (seq.empty() && !nullable[r]) {
        nullable[r] = true;
        work.push_back(int32_t(r));
      }
    }
  }
  while (!work.empty()) {
    const int32_t r = work.back();
    work.pop_back();
    for (size_t a : used_in[size_t(r)]) {
      // A rule named twice in one alternative is counted twice there, and found twice here.
      if (--alts[a].pending == 0 && !nullable[size_t(alts[a].rule)]) {
        nullable[size_t(alts[a].rule)] = true;
        work.push_back(alts[a].rule);
      }
    }
  }
  return nullable;
}

// For each rule, the rules it may expand before consuming a byte: those referenced at the start
// of an alternative or after nullable rules only.
std::vector<std::vector<int32_t>> leading_rules(const Grammar& g, const std::vector<bool>& nullable) {
  std::vector<std::vector<int32_t>> edges(g.rules.size());
  for (size_t r = 0; r < g.rules.size(); ++r) {
    for (const Sequence& alt : g.rules[r].alternatives) {
      for (const Element& e : alt) {
        if (e.kind == Element::Kind::kBytes) break;
        edges[r].push_back(e.rule);
        if (!nullable[size_t(e.rule)]) break;
      }
    }
  }
  return edges;
}

// The first rule found on a cycle of `edges`, or -1. Iterative depth-first search, so a long
// chain of rules cannot overflow the call stack.
int32_t rule_on_cycle(const std::vector<std::vector<int32_t>>& edges) {
  enum : uint8_t { kNew, kOnPath, kDone };
  std::vector<uint8_t> mark(edges.size(), kNew);
  struct Frame {
    int32_t rule;
    size_t next;
  };
  std::vector<Frame> path;
  for (size_t start = 0; start < edges.size(); ++start) {
    if (mark[start] != kNew) continue;
    path.push_back({int32_t(start), 0});
    mark[start] = kOnPath;
    while (!path.empty()) {
      Frame& f = path.back();
      const auto& out = edges[size_t(f.rule)];
      if (f.next == out.size()) {
        mark[size_t(f.rule)] = kDone;
        path.pop_back();
        continue;
      }
      const int32_t to = out[f.next++];
      if (mark[size_t(to)] == kOnPath) return to;
      if (mark[size_t(to)] == kNew) {
        mark[size_t(to)] = kOnPath;
        path.push_back({to, 0});
      }
    }
  }
  return -1;
}

}  // namespace

int32_t left_recursive_rule(const Grammar& grammar) {
  return rule_on_cycle(leading_rules(grammar, nullable_rules(grammar)));
}

Status validate(const Grammar& grammar) {
  const int32_t n_rules = int32_t(grammar.rules.size());
  if (grammar.root < 0 || grammar.root >= n_rules) {
    return invalid_argument("grammar root " + std::to_string(grammar.root) + " is not a rule");
  }
  for (const Rule& rule : grammar.rules) {
    if (rule.alternatives.empty()) return invalid_argument("rule '" + rule.name + "' has no alternatives");
    for (const Sequence& alt : rule.alternatives) {
      for (const Element& e : alt) {
        if (e.kind == Element::Kind::kRule && (e.rule < 0 || e.rule >= n_rules)) {
          return invalid_argument("rule '" + rule.name + "' refers to undefined rule " + std::to_string(e.rule));
        }
      }
    }
  }
  const int32_t cyclic = left_recursive_rule(grammar);
  if (cyclic >= 0) {
    return invalid_argument("rule '" + grammar.rules[size_t(cyclic)].name +
                            "' is left-recursive (it can reach itself before matching any byte)");
  }
  return Status();
}

}  // namespace herd::grammar
