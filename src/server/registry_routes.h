// herd serve as a model registry: the Docker distribution v2 API that Ollama speaks,
// read-only from the store for everyone (manifests, blobs with Range), and pushes
// (blob uploads, manifests) for clients that present the push key. See docs/STORE.md,
// "Registry".
#pragma once

#include <memory>
#include <string>

#include "server/push_key.h"
#include "server/registry_uploads.h"

namespace herd::http {
class Server;
}

namespace herd::server {

struct ServerState;

struct RegistryParams {
  std::string home;                        // the store's $HERD_HOME
  std::shared_ptr<const PushKey> push_key; // null: pushes are refused
  UploadParams uploads;
};

// Adds GET|HEAD /v2/..., and POST|PATCH|PUT|DELETE /v2/... for pushes. `state` (its
// browser policy and log) must outlive the server.
void install_registry_routes(http::Server& http, const ServerState& state, RegistryParams params);

}  // namespace herd::server
