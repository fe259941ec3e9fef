// "$ref" inside one JSON schema document: "#" (the root) and JSON pointers "#/..." such as
// "#/$defs/name" and "#/definitions/name" (RFC 6901 ~0 ~1, and %XX as in URI fragments).
// References to other documents, anchors and $id-relative URIs are refused.
#pragma once

#include <nlohmann/json.hpp>
#include <string>
#include <string_view>

#include "base/status.h"

namespace herd::grammar {

// The schema `ref` points to inside `root` (a pointer into it, valid while root lives).
Result<const nlohmann::ordered_json*> resolve_schema_ref(const nlohmann::ordered_json& root, std::string_view ref);

// `pointer` + "/" + token, with '~' and '/' escaped as RFC 6901 says.
std::string json_pointer_append(std::string_view pointer, std::string_view token);

}  // namespace herd::grammar
