// eventmart serve: the service, wired together.
#include <spdlog/spdlog.h>

#include <algorithm>
#include <cstdio>
#include <cstdlib>
#include <future>
#include <tuple>

#include "api/app.h"
#include "api/http_server.h"
#include "api/kafka_status.h"
#include "cluster/cluster_node.h"
#include "commands/command_processor.h"
#include "commands/idempotency_pruner.h"
#include "commands/write_model_snapshots.h"
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
namespace {

std::optional<ClusterOptions> ToClusterOptions(const ServeOptions& options) {
  auto peers = ClusterNode::ParsePeers(options.peers);
  if (!peers) {
    std::fprintf(stderr, "eventmart serve: --peers: %s\n", peers.error().detail.c_str());
    return std::nullopt;
  }
  if (!peers->contains(options.node_id)) {
    std::fprintf(stderr, "eventmart serve: --node-id %d is not in --peers\n", options.node_id);
    return std::nullopt;
  }
  if (options.demo) {
    std::fprintf(stderr, "eventmart serve: --demo is for a single node (a cluster starts empty)\n");
    return std::nullopt;
  }
  ClusterOptions cluster{.node_id = options.node_id, .peers = std::move(*peers), .prefix = options.cluster_prefix,
                         .retain_batches = options.cluster_retain_batches,
                         .batch_packing = options.cluster_batch_packing == "none" ? BatchPacking::kNone
                                                                                  : BatchPacking::kZstd,
                         .admin_token = options.admin_token};
  std::string_view endpoints = options.etcd_endpoints;
  while (!endpoints.empty()) {
    auto comma = endpoints.find(',');
    if (comma != 0) cluster.etcd_endpoints.emplace_back(endpoints.substr(0, comma));
    endpoints = comma == std::string_view::npos ? std::string_view() : endpoints.substr(comma + 1);
  }
  if (cluster.etcd_endpoints.empty()) {
    std::fprintf(stderr, "eventmart serve: --etcd-endpoints names no endpoint\n");
    return std::nullopt;
  }
  if (cluster.prefix.empty() || cluster.prefix.back() != '/') cluster.prefix += '/';
  return cluster;
}

// Moves this node's relay checkpoint up to the one the cluster's leaders
// published, so that a new leader does not publish the history again.
Result<void> AdoptRelayCheckpoint(ClusterNode& cluster, RocksEventStore& store) {
  auto shared = cluster.SharedRelayCheckpoint();
  if (!shared) return Fail(shared.error());
  auto own = store.GetMeta(kRelayCheckpointKey);
  if (!own) return Fail(own.error());
  GlobalPosition mine = *own ? std::strtoull((*own)->c_str(), nullptr, 10) : 0;
  if (*shared <= mine) return {};
  spdlog::info("relay: resuming from the cluster's checkpoint {} (this node's was {})", *shared, mine);
  return store.PutMeta(kRelayCheckpointKey, std::to_string(*shared));
}

// The thread looks at the log's end often enough for the time rule to hold
// (a tenth of it), and at most every second.
SnapshotPolicy SnapshotPolicyOf(const ServeOptions& options) {
  return {.every_events = options.snapshot_every_events,
          .every = options.snapshot_every,
          .poll = std::clamp<std::chrono::milliseconds>(options.snapshot_every / 10, std::chrono::milliseconds(50),
                                                        std::chrono::seconds(1))};
}

// A clustered node: it follows the leader's committed batches and, while
// it leads, decides commands (a command processor folded from the log at
// each election) and relays to Kafka. Queries are answered in every role.
int ServeClusterNode(const ServeOptions& options, ClusterOptions cluster_options,
                     const std::optional<KafkaOptions>& kafka, Stores& stores, const Clock& clock,
                     const CommandProcessorOptions& processor_options, AppOptions app_options) {
  auto& store = stores.log;
  // Every node's log is the same, so every node takes snapshots: whichever
  // is elected loads the newest one and folds only the log after it.
  SnapshotFiles snapshot_files(options.data_dir + "/snapshots");
  Snapshotter snapshotter(*store, snapshot_files, clock, SnapshotPolicyOf(options));
  snapshotter.Start();
  IdempotencyPruner pruner(*store, clock, options.idempotency_retention);  // each node prunes its own records
  pruner.Start();
  auto ranking = std::make_shared<SalesRanking>();
  Projector projector(*store, *stores.views, AllProjections(ranking, clock.NowMs()), AllProjectionsFactory(clock));
  if (auto started = projector.Start(); !started) {
    spdlog::error("projections failed: {}", started.error().Describe());
    return kExitFailure;
  }
  std::unique_ptr<KafkaRelay> relay;  // the cluster thread's, while leading
  ClusterNode* cluster = nullptr;     // set below, before the node starts
  LeaderHooks hooks{
      .start = [&](Aggregates model, GlobalPosition position) -> Result<std::shared_ptr<CommandProcessor>> {
        auto processor = std::make_shared<CommandProcessor>(*store, clock, processor_options, &snapshot_files);
        auto started = processor->StartFrom(std::move(model), position);
        if (!started) return Fail(started.error());
        spdlog::info("leading from the hot write model at position {}", position);
        if (kafka) {
          // Resumes from the checkpoint the last leader published (or this
          // node's own, if later): events relayed after it go again, with
          // the same eventId.
          if (auto adopted = AdoptRelayCheckpoint(*cluster, *store); !adopted) {
            spdlog::warn("relay checkpoint of the cluster: {}; resuming from this node's own",
                         adopted.error().Describe());
          }
          relay = std::make_unique<KafkaRelay>(*store, RelayOptions{.kafka = *kafka});
          if (auto started = relay->Start(); !started) {
            spdlog::error("leading without the Kafka relay: {}", started.error().Describe());
            relay.reset();
          }
        }
        return processor;
      },
      .stop = [&](std::shared_ptr<CommandProcessor> processor) {
        processor->Stop();
        // Every append the processor queued has answered once this one has
        // (the committer answers in order).
        if (auto barrier = store->Append({}); !barrier) spdlog::debug("barrier: {}", barrier.error().Describe());
        if (relay) {
          relay->Stop();
          relay.reset();
        }
      },
      .relayed = [&] {
        // The node's thread, like start and stop: the relay is not swapped meanwhile.
        return relay ? relay->Status().position : GlobalPosition{0};
      },
      .load_model = [&] { return LoadWriteModel(*store, &snapshot_files, store->LastPosition()); }};
  ClusterNode node(*store, std::move(cluster_options), std::move(hooks));
  cluster = &node;
  App app{*store, nullptr, projector, *stores.views, *ranking, clock, std::move(app_options)};
  app.cluster = &node;
  app.snapshots = &snapshotter;
  app.idempotency = &pruner;
  node.Start();
  auto listen = ParseHostPort(options.listen);
  bool served = ServeUntilSignal(app, *listen, options.threads, "eventmart", "cluster node in " + options.data_dir);
  node.Stop();
  snapshotter.Stop();
  pruner.Stop();
  projector.Stop();
  spdlog::info("stopped at position {}", store->LastPosition());
  return served ? kExitOk : kExitFailure;
}

// --rate-limit and --rate-limit-ip; a bad value is reported on stderr.
std::optional<RateLimitConfig> ParseRateLimitFlags(const ServeOptions& options) {
  RateLimitConfig config;
  for (auto [flag, texts, target] : {std::tuple{"--rate-limit", &options.rate_limits, &config.per_user},
                                     std::tuple{"--rate-limit-ip", &options.rate_limits_ip, &config.per_ip}}) {
    auto parsed = ParseRatePolicies(*texts);
    if (!parsed) {
      std::fprintf(stderr, "eventmart serve: %s %s\n", flag, parsed.error().detail.c_str());
      return std::nullopt;
    }
    *target = std::move(*parsed);
  }
  return config;
}

}  // namespace

int Serve(const ServeOptions& options) {
  auto listen = ParseHostPort(options.listen);
  if (!listen) {
    std::fprintf(stderr, "eventmart serve: --listen must be HOST:PORT, got '%s'\n", options.listen.c_str());
    return kExitUsage;
  }
  auto rate_limits = ParseRateLimitFlags(options);
  if (!rate_limits) return kExitUsage;
  std::optional<KafkaOptions> kafka;
  if (!options.kafka.brokers.empty()) {
    kafka = ToKafkaOptions(options.kafka, "serve");
    if (!kafka) return kExitUsage;
  }
  std::optional<ClusterOptions> cluster_options;
  if (options.node_id > 0) {
    cluster_options = ToClusterOptions(options);
    if (!cluster_options) return kExitUsage;
  }
  int auth_exit = kExitOk;
  auto jwt = MakeAuthenticator(options.auth, "serve", &auth_exit);
  if (auth_exit != kExitOk) return auth_exit;
  BlockStopSignals();  // before any thread starts: a SIGTERM at any moment drains
  if (jwt) BlockReloadSignal();  // SIGHUP re-reads the JWKS (KeyReloader below)
  SnapshotFiles snapshot_files(options.data_dir + "/snapshots");
  // A single node's start reads its snapshot while the stores open.
  std::future<PreloadedSnapshot> preload;
  if (!cluster_options) preload = PreloadSnapshot(snapshot_files);
  // A single node's read-model compactions wait for the write model's load
  // (started in its callback below).
  auto stores = OpenStores(options.data_dir, /*defer_view_compactions=*/!cluster_options);
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
  AppOptions app_options{.admin_token = options.admin_token,
                         .rate_limits = *rate_limits,
                         .jwt = jwt.get(),
                         .issue_tokens = options.auth.issue_tokens};
  std::optional<KeyReloader> reloader;
  if (jwt) reloader.emplace(*jwt);
  WarnIfOpen(options.auth, listen->host);
  if (cluster_options) {
    return ServeClusterNode(options, *cluster_options, kafka, *stores, clock, processor_options,
                            std::move(app_options));
  }
  // The server listens at once; the write model and the read models load
  // behind it (/readyz says when they are done, commands wait for them).
  Snapshotter snapshotter(*store, snapshot_files, clock, SnapshotPolicyOf(options), /*read_newest=*/false);
  // Before the processor: its load callback starts the projector, so the
  // projector must outlive the processor's thread.
  auto ranking = std::make_shared<SalesRanking>();
  Projector projector(*store, *views, AllProjections(ranking, clock.NowMs()), AllProjectionsFactory(clock));
  CommandProcessor processor(*store, clock, processor_options, &snapshot_files);
  processor.UsePreloaded(std::move(preload));
  std::atomic<bool> load_failed{false};
  processor.StartInBackground(
      [&](const Result<StartInfo>& info) {
        if (!info) {
          spdlog::error("cannot load state from the log: {}", info.error().Describe());
          load_failed = true;
          StopServing();
          return;
        }
        spdlog::info("state loaded in {:.3f} s: snapshot at {}, then {} events of the log (end {})", info->seconds,
                     info->snapshot.position, info->tail_events, info->position);
        snapshotter.Start(info->snapshot);  // not before: both would fold the log at once
        // Commands first: the projector's start (the 3-day ranking is built
        // from days of stored sales) took a core from the load on a
        // two-core machine. Until it runs, queries read the stored models
        // and /readyz answers 503.
        projector.StartInBackground();
        if (auto started = views->StartCompactions(); !started) {
          spdlog::error("{}", started.error().Describe());
          load_failed = true;
          StopServing();
        }
      },
      [](std::uint64_t n) { spdlog::info("loading state: {} events", n); });
  IdempotencyPruner pruner(*store, clock, options.idempotency_retention);
  pruner.Start();
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
          std::move(app_options)};
  app.snapshots = &snapshotter;
  app.idempotency = &pruner;
  std::optional<RelayStatusOf> relay_status;
  if (relay) app.relay = &relay_status.emplace(*relay);
  if (!ServeUntilSignal(app, *listen, options.threads, "eventmart", "data in " + options.data_dir)) return kExitFailure;
  snapshotter.Stop();
  pruner.Stop();
  processor.Stop();
  if (relay) relay->Stop();
  projector.Stop();
  if (load_failed) return kExitFailure;
  spdlog::info("stopped cleanly at position {}", store->LastPosition());
  return kExitOk;
}

}  // namespace eventmart::cli
