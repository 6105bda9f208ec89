// tools/server_parts.h
// What `serve` and `project` (a query node) both do: open the two stores a
// server runs on, and serve an App over HTTP until SIGINT/SIGTERM.
#pragma once

#include <memory>
#include <optional>
#include <string>
#include <string_view>

#include "api/app.h"
#include "eventstore/rocks_event_store.h"
#include "projections/read_model_store.h"
#include "tools/cli_util.h"

namespace eventmart::cli {

struct Stores {
  std::unique_ptr<RocksEventStore> log;     // DIR/events
  std::unique_ptr<ReadModelStore> views;    // DIR/views
};

// Opens both; logs what failed and returns nullopt.
// defer_view_compactions: the read models' compactions wait for
// Stores::views->StartCompactions() (ReadModelStore::OpenOptions).
std::optional<Stores> OpenStores(const std::string& data_dir, bool defer_view_compactions = false);

// Serves `app` on `listen` until a stop signal (BlockStopSignals() must have
// run first). Prints "<banner> listening on http://HOST:PORT" on stdout once
// it listens. False, logged, if it cannot listen.
bool ServeUntilSignal(App& app, const HostPort& listen, int threads, std::string_view banner,
                      std::string_view description);

}  // namespace eventmart::cli
