// eventmart serve: the service, wired together.
#include <spdlog/spdlog.h>

#include <cstdio>
#include <future>

#include "api/app.h"
#include "api/http_server.h"
#include "api/kafka_status.h"
#include "commands/command_processor.h"
#include "eventstore/kafka/relay.h"
#include "eventstore/rocks_event_store.h"
#include "projections/all_projections.h"
#include "projections/projector.h"
#include "tools/cli_util.h"
#include "tools/demo_data.h"
#include "tools/kafka_cli.h"
#include "tools/serve_auth.h"
#include "tools/server_parts.h"
#include "tools/verbs.h"

namespace eventmart::cli {

int Serve(const ServeOptions& options) {
  auto listen = ParseHostPort(options.listen);
  if (!listen) {
    std::fprintf(stderr, "eventmart serve: --listen must be HOST:PORT, got '%s'\n", options.listen.c_str());
    return kExitUsage;
  }
  std::optional<KafkaOptions> kafka;
  if (!options.kafka.brokers.empty()) {
    kafka = ToKafkaOptions(options.kafka, "serve");
    if (!kafka) return kExitUsage;
  }
  int auth_exit = kExitOk;
  auto jwt = MakeAuthenticator(options.auth, "serve", &auth_exit);
  if (auth_exit != kExitOk) return auth_exit;
  BlockStopSignals();  // before any thread starts: a SIGTERM at any moment drains
  if (jwt) BlockReloadSignal();  // SIGHUP re-reads the JWKS (KeyReloader below)
  auto stores = OpenStores(options.data_dir);
  if (!stores) return kExitFailure;
  auto& store = stores->log;
  auto& views = stores->views;
  SystemClock clock;
  CommandProcessorOptions processor_options{.max_balance = options.max_balance,
                                            .order_ttl_ms = options.order_ttl.count()};
  if (options.demo && store->LastPosition() == 0) {
    if (auto seeded = SeedDemoData(*store, clock.NowMs(), processor_options); !seeded) {
      spdlog::error("demo data: {}", seeded.error().Describe());
      return kExitFailure;
    }
    spdlog::info("demo data loaded");
  }
  CommandProcessor processor(*store, clock, processor_options);
  auto folded = processor.Start([](std::uint64_t n) { spdlog::info("loading state: {} events", n); });
  if (!folded) {
    spdlog::error("cannot load state from the log: {}", folded.error().Describe());
    return kExitFailure;
  }
  spdlog::info("state loaded from {} events", *folded);
  auto ranking = std::make_shared<SalesRanking>();
  Projector projector(*store, *views, AllProjections(ranking, clock.NowMs()), AllProjectionsFactory(clock));
  if (auto started = projector.Start(); !started) {
    spdlog::error("projections failed: {}", started.error().Describe());
    return kExitFailure;
  }
  if (options.admin_token.empty()) {
    spdlog::warn("no admin token set (--admin-token or EVENTMART_ADMIN_TOKEN): admin routes will answer 401");
  }
  std::unique_ptr<KafkaRelay> relay;
  if (kafka) {
    relay = std::make_unique<KafkaRelay>(*store, RelayOptions{.kafka = *kafka});
    if (auto started = relay->Start(); !started) {
      std::fprintf(stderr, "eventmart serve: %s\n", started.error().Describe().c_str());
      return started.error().code == KafkaErrc::kInvalidConfig ? kExitUsage : kExitFailure;
    }
  } else {
    spdlog::info("no --kafka-brokers: events and paid orders are not published");
  }
  App app{*store, &processor, projector, *views, *ranking, clock,
          {.admin_token = options.admin_token, .jwt = jwt.get(), .issue_tokens = options.auth.issue_tokens}};
  WarnIfOpen(options.auth, listen->host);
  std::optional<KeyReloader> reloader;
  if (jwt) reloader.emplace(*jwt);
  std::optional<RelayStatusOf> relay_status;
  if (relay) app.relay = &relay_status.emplace(*relay);
  if (!ServeUntilSignal(app, *listen, options.threads, "eventmart", "data in " + options.data_dir)) return kExitFailure;
  processor.Stop();
  if (relay) relay->Stop();
  projector.Stop();
  spdlog::info("stopped cleanly at position {}", store->LastPosition());
  return kExitOk;
}

}  // namespace eventmart::cli
