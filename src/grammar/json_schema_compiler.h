// The JSON schema compiler behind json_schema_gbnf.h: one pass over the schema that writes a
// GBNF rule per sub-schema (identical ones shared, $ref targets named once so recursion works).
// Internal to the grammar layer.
#pragma once

#include <nlohmann/json.hpp>
#include <string>
#include <string_view>
#include <unordered_map>
#include <vector>

#include "base/status.h"
#include "grammar/gbnf_writer.h"
#include "grammar/json_schema_gbnf.h"

namespace herd::grammar {

using SchemaJson = nlohmann::ordered_json;

// Whether a keyword only describes (title, $defs...) and constrains nothing.
bool is_schema_annotation(std::string_view keyword);
// kInvalidArgument "JSON schema keyword 'K' at #/ptr: why".
Status schema_error(std::string_view keyword, std::string_view pointer, std::string_view why);
// kInvalidArgument "JSON schema keyword 'K' at #/ptr is not supported".
Status schema_unsupported(std::string_view keyword, std::string_view pointer);

class JsonSchemaCompiler {
 public:
  // Rules go to `writer` (which may hold other schemas' rules: the JSON rules are shared).
  JsonSchemaCompiler(const SchemaJson& root, const JsonSchemaLimits& limits, GbnfWriter& writer);
  // The name of the rule for the whole schema.
  Result<std::string> compile(std::string_view hint);

 private:
  // The name of a rule for the values `schema` allows; `pointer` names it in errors.
  Result<std::string> visit(const SchemaJson& schema, const std::string& pointer, std::string_view hint);
  Result<std::string> visit_object_schema(const SchemaJson& schema, const std::string& pointer, std::string_view hint);
  Result<std::string> visit_ref(const SchemaJson& schema, const std::string& pointer, std::string_view hint);
  Result<std::string> visit_any_of(const SchemaJson& schema, const std::string& pointer, std::string_view hint);
  Result<std::string> visit_enum(const SchemaJson& schema, const std::string& pointer, std::string_view hint);
  Result<std::string> visit_type(std::string_view type, const SchemaJson& schema, const std::string& pointer,
                                 std::string_view hint);

  // Refuses a grammar past what parse_gbnf takes.
  Status check_grammar_size() const;
  // json_schema_objects.cc
  Result<std::string> visit_object(const SchemaJson& schema, const std::string& pointer, std::string_view hint);
  Result<std::string> visit_array(const SchemaJson& schema, const std::string& pointer, std::string_view hint);
  Result<std::string> extra_key_rule(const std::vector<std::string>& listed, const std::string& pointer);
  // json_schema_scalars.cc
  Result<std::string> visit_string(const SchemaJson& schema, const std::string& pointer, std::string_view hint);
  Result<std::string> visit_number(const SchemaJson& schema, const std::string& pointer, std::string_view hint,
                                   bool integer);
  // A count keyword (minItems, maxLength...): absent -> fallback; kInvalidArgument unless a
  // non-negative integer within limits.
  Result<uint32_t> count_keyword(const SchemaJson& schema, const char* keyword, const std::string& pointer,
                                 uint32_t fallback);

  const SchemaJson& root_;
  JsonSchemaLimits limits_;
  GbnfWriter& writer_;
  std::unordered_map<std::string, std::string> ref_rules_;  // normalized $ref -> rule name
  size_t n_nodes_ = 0;
  size_t merge_budget_;  // JSON values allOf merging may still copy (json_schema_merge.h)
  size_t depth_ = 0;
};

}  // namespace herd::grammar
