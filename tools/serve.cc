// eventmart serve: the service, wired together.
#include <spdlog/spdlog.h>

#include <cstdio>
#include <future>

#include "api/app.h"
#include "api/http_server.h"
#include "commands/command_processor.h"
#include "eventstore/rocks_event_store.h"
#include "projections/all_projections.h"
#include "projections/projector.h"
#include "tools/cli_util.h"
#include "tools/demo_data.h"
#include "tools/verbs.h"

namespace eventmart::cli {

int Serve(const ServeOptions& options) {
  auto listen = ParseHostPort(options.listen);
  if (!listen) {
    std::fprintf(stderr, "eventmart serve: --listen must be HOST:PORT, got '%s'\n", options.listen.c_str());
    return kExitUsage;
  }
  BlockStopSignals();  // before any thread starts: a SIGTERM at any moment drains
  auto store = RocksEventStore::Open(options.data_dir + "/events");
  if (!store) {
    spdlog::error("cannot open the event log: {}", store.error().Describe());
    return kExitFailure;
  }
  auto views = ReadModelStore::Open(options.data_dir + "/views");
  if (!views) {
    spdlog::error("cannot open the read models: {}", views.error().Describe());
    return kExitFailure;
  }
  SystemClock clock;
  CommandProcessor processor(**store, clock,
                             {.max_balance = options.max_balance, .order_ttl_ms = options.order_ttl.count()});
  auto folded = processor.Start([](std::uint64_t n) { spdlog::info("loading state: {} events", n); });
  if (!folded) {
    spdlog::error("cannot load state from the log: {}", folded.error().Describe());
    return kExitFailure;
  }
  spdlog::info("state loaded from {} events", *folded);
  auto ranking = std::make_shared<SalesRanking>();
  Projector projector(**store, **views, AllProjections(ranking, clock.NowMs()), AllProjectionsFactory(clock));
  if (auto started = projector.Start(); !started) {
    spdlog::error("projections failed: {}", started.error().Describe());
    return kExitFailure;
  }
  if (options.admin_token.empty()) {
    spdlog::warn("no admin token set (--admin-token or EVENTMART_ADMIN_TOKEN): admin routes will answer 401");
  }
  if (options.demo && (*store)->LastPosition() == 0) {
    if (auto seeded = SeedDemoData(processor, clock.NowMs()); !seeded) {
      spdlog::error("demo data: {}", seeded.error().Describe());
      return kExitFailure;
    }
    spdlog::info("demo data loaded");
  }
  App app{**store, processor, projector, **views, *ranking, clock, {.admin_token = options.admin_token}};
  Router router = MakeRouter(app);
  HttpServer server(router, {.host = listen->host, .port = listen->port, .threads = options.threads});
  app.open_connections = [&server] { return server.counters().open_connections; };
  auto port = server.Start();
  if (!port) {
    spdlog::error("cannot listen: {}", port.error().Describe());
    return kExitFailure;
  }
  std::printf("eventmart listening on http://%s:%u\n", listen->host.c_str(), *port);
  std::fflush(stdout);
  spdlog::info("listening on {}:{} (data in {})", listen->host, *port, options.data_dir);
  server.WaitForSignal();
  processor.Stop();
  projector.Stop();
  spdlog::info("stopped cleanly at position {}", (*store)->LastPosition());
  return kExitOk;
}

}  // namespace eventmart::cli
