// Objects and arrays of the JSON schema compiler.
#include <algorithm>
#include <map>
#include <memory>
#include <vector>

#include "grammar/json_schema_compiler.h"
#include "grammar/json_schema_refs.h"
#include "grammar/json_value_gbnf.h"

namespace herd::grammar {
namespace {

// Extra property names are refused beyond this many characters of listed names: the grammar
// that keeps them from repeating a listed name has a rule per trie node.
constexpr size_t kMaxListedNameChars = 2048;

std::string quoted_key(const std::string& name) {
  return gbnf_literal(SchemaJson(name).dump(-1, ' ', false, nlohmann::detail::error_handler_t::replace));
}

// Characters a key may have unescaped: anything but '"', '\' and controls.
const CodepointSet& plain_chars() {
  static const CodepointSet set = complement_ranges({{0x00, 0x1F}, {'"', '"'}, {'\\', '\\'}});
  return set;
}

std::string char_utf8(uint32_t cp) {
  std::string out;
  append_utf8(cp, out);
  return out;
}

struct TrieNode {
  bool terminal = false;                            // a listed name ends here
  std::map<uint32_t, std::unique_ptr<TrieNode>> children;
};

}  // namespace

// A key (with its quotes) that is none of the listed names, written without escapes (an escape
// could spell a listed name in another way). A trie of the names: at each node the key may
// close (unless a name ends there), leave the trie with any other character, or follow a child.
Result<std::string> JsonSchemaCompiler::extra_key_rule(const std::vector<std::string>& listed,
                                                       const std::string& pointer) {
  TrieNode root;
  size_t n_chars = 0;
  for (const std::string& name : listed) {
    std::u32string cps;
    if (!utf8_decode(name, cps)) return schema_error("properties", pointer, "a name that is not valid UTF-8");
    n_chars += cps.size();
    if (n_chars > kMaxListedNameChars) {
      return schema_error("additionalProperties", pointer,
                          "more than " + std::to_string(kMaxListedNameChars) + " characters of listed property names");
    }
    TrieNode* node = &root;
    bool plain = true;
    for (char32_t c : cps) {
      if (!contains(plain_chars(), uint32_t(c))) plain = false;  // only reachable through an escape
      auto& child = node->children[uint32_t(c)];
      if (!child) child = std::make_unique<TrieNode>();
      node = child.get();
    }
    if (plain) node->terminal = true;
  }
  std::string plain_rule = writer_.add("key-char", gbnf_class(plain_chars()));
  std::string close = gbnf_literal("\"");
  std::string free_tail = plain_rule + "* " + close;
  // Post-order, so a node's rule can name its children's.
  struct Frame {
    const TrieNode* node;
    std::map<uint32_t, std::unique_ptr<TrieNode>>::const_iterator next;
    std::vector<std::string> alts;
  };
  std::vector<Frame> stack;
  auto open = [&](const TrieNode* n) {
    Frame f{n, n->children.begin(), {}};
    if (!n->terminal) f.alts.push_back(close);
    CodepointSet leave = plain_chars();
    CodepointSet taken;
    for (const auto& [cp, child] : n->children) taken.push_back({cp, cp});
    leave = intersect(leave, complement_ranges(taken));
    if (!leave.empty()) f.alts.push_back(gbnf_class(leave) + " " + free_tail);
    stack.push_back(std::move(f));
  };
  open(&root);
  std::string result;
  while (!stack.empty()) {
    Frame& top = stack.back();
    while (top.next != top.node->children.end() && !contains(plain_chars(), top.next->first)) ++top.next;
    if (top.next != top.node->children.end()) {
      open(top.next->second.get());
      continue;
    }
    std::string rule = writer_.add("key", gbnf_alternatives(top.alts));
    stack.pop_back();
    if (stack.empty()) {
      result = rule;
      break;
    }
    Frame& parent = stack.back();
    parent.alts.push_back(gbnf_literal(char_utf8(parent.next->first)) + " " + rule);
    ++parent.next;
  }
  return writer_.add("extra-key", close + " " + result);
}

Result<std::string> JsonSchemaCompiler::visit_object(const SchemaJson& schema, const std::string& pointer,
                                                     std::string_view hint) {
  std::string ws = json_ws_rule(writer_);
  struct Member {
    std::string name;
    std::string value_rule;
    bool required = false;
  };
  std::vector<Member> members;
  std::vector<std::string> required;
  std::vector<std::string> forbidden;  // properties whose schema is false
  if (auto it = schema.find("required"); it != schema.end()) {
    if (!it->is_array()) return schema_error("required", pointer, "must be a list of names");
    for (const SchemaJson& name : *it) {
      if (!name.is_string()) return schema_error("required", pointer, "must be a list of names");
      if (std::find(required.begin(), required.end(), name.get<std::string>()) == required.end()) {
        required.push_back(name.get<std::string>());
      }
    }
  }
  if (auto it = schema.find("properties"); it != schema.end()) {
    if (!it->is_object()) return schema_error("properties", pointer, "must be an object");
    for (auto p = it->begin(); p != it->end(); ++p) {
      std::string sub = json_pointer_append(pointer + "/properties", p.key());
      bool is_required = std::find(required.begin(), required.end(), p.key()) != required.end();
      if (p.value() == false && !is_required) {  // the key must not appear: leave it out
        forbidden.push_back(p.key());
        continue;
      }
      HERD_ASSIGN_OR_RETURN(std::string rule, visit(p.value(), sub, p.key()));
      members.push_back({p.key(), rule, is_required});
    }
  }
  // additionalProperties: absent or false, no other keys (see json_schema_gbnf.h).
  std::string extra_value;
  bool extra_explicit_false = false;
  if (auto it = schema.find("additionalProperties"); it != schema.end()) {
    if (it->is_boolean()) {
      extra_explicit_false = !it->get<bool>();
      if (it->get<bool>()) extra_value = json_value_rule(writer_);
    } else {
      HERD_ASSIGN_OR_RETURN(extra_value, visit(*it, pointer + "/additionalProperties", std::string(hint) + "-extra"));
    }
  }
  // Required names that are not properties: after the listed ones, valued by additionalProperties.
  for (const std::string& name : required) {
    bool listed = std::any_of(members.begin(), members.end(), [&](const Member& m) { return m.name == name; });
    if (listed) continue;
    if (extra_explicit_false) {
      return schema_error("required", pointer, "'" + name + "' is not in properties and additionalProperties is false");
    }
    members.push_back({name, extra_value.empty() ? json_value_rule(writer_) : extra_value, true});
  }
  std::string next_seen;   // what may follow once a member was written ("" = nothing)
  std::string next_first;  // what may follow when no member was written yet
  if (!extra_value.empty()) {
    std::vector<std::string> names = forbidden;
    for (const Member& m : members) names.push_back(m.name);
    HERD_ASSIGN_OR_RETURN(std::string key, extra_key_rule(names, pointer));
    std::string kv = writer_.add(std::string(hint) + "-extra-kv", key + " " + ws + " \":\" " + ws + " " + extra_value + " " + ws);
    next_seen = writer_.add(std::string(hint) + "-extras", "(\",\" " + ws + " " + kv + ")*");
    next_first = writer_.add(std::string(hint) + "-extras", "(" + kv + " " + next_seen + ")?");
  }
  for (size_t i = members.size(); i-- > 0;) {
    const Member& m = members[i];
    std::string kv = writer_.add(m.name + "-kv", quoted_key(m.name) + " " + ws + " \":\" " + ws + " " + m.value_rule + " " + ws);
    std::string after = next_seen.empty() ? "" : " " + next_seen;
    std::string with_seen = "\",\" " + ws + " " + kv + after;
    std::string with_first = kv + after;
    std::string seen_body = m.required ? with_seen : next_seen.empty() ? "(" + with_seen + ")?" : with_seen + " | " + next_seen;
    std::string first_body = m.required ? with_first : next_first.empty() ? "(" + with_first + ")?" : with_first + " | " + next_first;
    // The first member is never preceded by another, so it needs no "seen" rule.
    if (i > 0) next_seen = writer_.add(std::string(hint) + "-rest", seen_body);
    next_first = writer_.add(std::string(hint) + "-members", first_body);
  }
  std::string body = "\"{\" " + ws + (next_first.empty() ? "" : " " + next_first) + " \"}\"";
  return writer_.add(hint, body);
}

Result<std::string> JsonSchemaCompiler::visit_array(const SchemaJson& schema, const std::string& pointer,
                                                    std::string_view hint) {
  std::string ws = json_ws_rule(writer_);
  const SchemaJson* prefix = nullptr;
  const SchemaJson* rest = nullptr;
  std::string prefix_keyword = "prefixItems";
  std::string rest_keyword = "items";
  if (auto it = schema.find("items"); it != schema.end() && it->is_array()) {
    prefix = &*it;  // draft 4-7 tuple form: items [..] then additionalItems
    prefix_keyword = "items";
    rest_keyword = "additionalItems";
    if (auto ai = schema.find("additionalItems"); ai != schema.end()) rest = &*ai;
  } else {
    if (auto pi = schema.find("prefixItems"); pi != schema.end()) prefix = &*pi;
    if (it != schema.end()) rest = &*it;
  }
  if (prefix != nullptr && !prefix->is_array()) return schema_error(prefix_keyword, pointer, "must be a list of schemas");
  std::vector<std::string> prefix_rules;
  if (prefix != nullptr) {
    if (prefix->size() > limits_.max_enumerated) return schema_error(prefix_keyword, pointer, "too many items");
    for (size_t i = 0; i < prefix->size(); ++i) {
      std::string sub = pointer + "/" + prefix_keyword + "/" + std::to_string(i);
      HERD_ASSIGN_OR_RETURN(std::string rule, visit((*prefix)[i], sub, std::string(hint) + "-" + std::to_string(i)));
      prefix_rules.push_back(rule);
    }
  }
  std::string item_rule;  // "" = no items after the prefix
  if (rest == nullptr) {
    item_rule = json_value_rule(writer_);
  } else if (!(rest->is_boolean() && !rest->get<bool>())) {
    HERD_ASSIGN_OR_RETURN(item_rule, visit(*rest, pointer + "/" + rest_keyword, std::string(hint) + "-item"));
  }
  constexpr uint32_t kUnbounded = UINT32_MAX;
  HERD_ASSIGN_OR_RETURN(uint32_t min_items, count_keyword(schema, "minItems", pointer, 0));
  HERD_ASSIGN_OR_RETURN(uint32_t max_items, count_keyword(schema, "maxItems", pointer, kUnbounded));
  uint32_t k = uint32_t(prefix_rules.size());
  if (item_rule.empty()) max_items = std::min(max_items, k);
  if (min_items > max_items) return schema_error("minItems", pointer, "more than maxItems (or than the items allowed)");

  // after(i): what follows once i items are written. Past the prefix it is a counted
  // repetition of items; inside it, the next prefix item or (when enough) the end.
  auto rest_after = [&](uint32_t i) -> std::string {
    uint32_t lo = min_items > i ? min_items - i : 0;
    if (max_items != kUnbounded && max_items <= i) return "";
    std::string one = "(\",\" " + ws + " " + item_rule + " " + ws + ")";
    if (max_items == kUnbounded) return one + (lo == 0 ? "*" : lo == 1 ? "+" : "{" + std::to_string(lo) + ",}");
    uint32_t hi = max_items - i;
    return one + "{" + std::to_string(lo) + (lo == hi ? "" : "," + std::to_string(hi)) + "}";
  };
  std::string after = k < max_items || max_items == kUnbounded ? rest_after(k) : "";
  if (!after.empty()) after = writer_.add(std::string(hint) + "-tail", after);
  for (uint32_t i = k; i-- > 1;) {
    if (i >= max_items && max_items != kUnbounded) continue;  // the array ends before item i
    std::string next = "\",\" " + ws + " " + prefix_rules[i] + " " + ws + (after.empty() ? "" : " " + after);
    after = writer_.add(std::string(hint) + "-tail", i >= min_items ? "(" + next + ")?" : next);
  }
  std::string first;
  if (max_items > 0) {
    std::string head = k > 0 ? prefix_rules[0] : item_rule;
    std::string tail = k > 0 ? after : rest_after(1);
    first = head + " " + ws + (tail.empty() ? "" : " " + tail);
    if (min_items == 0) first = "(" + first + ")?";
  }
  return writer_.add(hint, "\"[\" " + ws + (first.empty() ? "" : " " + first) + " \"]\"");
}

}  // namespace herd::grammar
