// eventmart project: a query node. Its log is a replica rebuilt from the
// Kafka feed (eventstore/kafka/feed_replica.h); the same projector folds it
// into the same read models, and the GET routes of the contract serve them.
#include <spdlog/spdlog.h>

#include <cstdio>

#include "api/app.h"
#include "api/http_server.h"
#include "api/kafka_status.h"
#include "eventstore/kafka/feed_replica.h"
#include "eventstore/rocks_event_store.h"
#include "projections/all_projections.h"
#include "projections/projector.h"
#include "tools/cli_util.h"
#include "tools/kafka_cli.h"
#include "tools/serve_auth.h"
#include "tools/server_parts.h"
#include "tools/verbs.h"

namespace eventmart::cli {

int Project(const ProjectOptions& options) {
  auto listen = ParseHostPort(options.listen);
  if (!listen) {
    std::fprintf(stderr, "eventmart project: --listen must be HOST:PORT, got '%s'\n", options.listen.c_str());
    return kExitUsage;
  }
  auto kafka = ToKafkaOptions(options.kafka, "project");
  if (!kafka) return kExitUsage;
  if (options.auth.issue_tokens) {
    std::fprintf(stderr, "eventmart project: --issue-tokens is serve's (a query node signs nobody up)\n");
    return kExitUsage;
  }
  int auth_exit = kExitOk;
  auto jwt = MakeAuthenticator(options.auth, "project", &auth_exit);
  if (auth_exit != kExitOk) return auth_exit;
  BlockStopSignals();
  if (jwt) BlockReloadSignal();
  auto stores = OpenStores(options.data_dir);
  if (!stores) return kExitFailure;
  auto& store = stores->log;
  auto& views = stores->views;
  SystemClock clock;
  auto ranking = std::make_shared<SalesRanking>();
  Projector projector(*store, *views, AllProjections(ranking, clock.NowMs()), AllProjectionsFactory(clock));
  if (auto started = projector.Start(); !started) {
    spdlog::error("projections failed: {}", started.error().Describe());
    return kExitFailure;
  }
  FeedReplica feed(*store, {.kafka = *kafka, .max_buffered = options.max_buffered});
  if (auto started = feed.Start(); !started) {
    std::fprintf(stderr, "eventmart project: %s\n", started.error().Describe().c_str());
    return started.error().code == KafkaErrc::kInvalidConfig ? kExitUsage : kExitFailure;
  }
  App app{*store, nullptr, projector, *views, *ranking, clock, {.admin_token = options.admin_token, .jwt = jwt.get()}};
  WarnIfOpen(options.auth, listen->host);
  std::optional<KeyReloader> reloader;
  if (jwt) reloader.emplace(*jwt);
  FeedStatusOf feed_status(feed);
  app.feed = &feed_status;
  if (!ServeUntilSignal(app, *listen, options.threads, "eventmart query node",
                        "query node; local log in " + options.data_dir + ", feed from " + kafka->brokers)) {
    return kExitFailure;
  }
  feed.Stop();
  projector.Stop();
  spdlog::info("stopped cleanly at position {}", store->LastPosition());
  return kExitOk;
}

}  // namespace eventmart::cli
