// herd serve --auth's admin API (an admin key required, checked by the caller's wrapper):
//   GET    /admin/keys[?all=true]      the keys (never a key or its hash)
//   POST   /admin/keys                 {"name", "rpm", "tpm", "budget", "period", "models", "admin"}
//                                      -> 201 with "key": shown this once
//   GET    /admin/keys/{ref}           ref: id, name or display prefix
//   PATCH  /admin/keys/{ref}           the fields to change
//   DELETE /admin/keys/{ref}           revokes (the row stays for the ledger)
//   GET    /admin/usage?key=&model=&since=&until=&by=key|model|day|hour&format=json|csv
//   GET    /admin/prices, PUT /admin/prices/{model} {"input","cached_input","output"}
#pragma once

#include <functional>

#include "gateway/gateway.h"
#include "http/server.h"

namespace herd::server {

struct ServerState;

using AdminHandler =
    std::function<void(const http::Request&, http::ResponseWriter&, const gateway::Caller*)>;
// Turns an admin handler into a route handler that lets only admin keys through.
using AdminGuard = std::function<http::Handler(AdminHandler)>;

void install_admin_routes(http::Server& http, ServerState& state, const AdminGuard& guard);

}  // namespace herd::server
