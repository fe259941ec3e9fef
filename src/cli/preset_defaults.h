// A preset's parameters (its Herdfile's PARAMETER lines) as defaults for run and chat: an
// option given on the command line wins; anything else the preset sets is used.
#pragma once

#include <nlohmann/json.hpp>

#include "base/status.h"
#include "cli/cli_support.h"

namespace CLI {
class App;
}

namespace herd {
struct SamplingParams;
}

namespace herd::cli {

// kInvalidArgument when a preset value has the wrong type. Parameters the CLI has no option
// for (stop, num_keep, typical_p) are left to the server.
Status apply_preset_defaults(const nlohmann::json& params, const CLI::App& cmd, GenerationOptions* gen,
                             SamplingParams* sampling);

}  // namespace herd::cli
