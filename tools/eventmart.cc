// eventmart: the one executable. Verbs:
//   serve      the HTTP service (commands, queries, admin; optional Kafka relay)
//   project    a query node: read models from the Kafka feed, GET routes only
//   dev-kafka  a local Kafka stand-in (librdkafka's mock cluster) for development
//   stats      counts and sizes of a store (also while a server runs)
//   load       fill a new store with a realistic history
//   replay     print events as JSON lines or CSV
//   rebuild    drop and rebuild read models from the log (server stopped)
//   verify     check every invariant from the log, and the read models against it
//   backup     a consistent copy of a store, live or stopped
//   bench      append | replay | snapshot | issue | relay | best | limiter: timed runs in process
// Exit codes: 0 ok, 1 a failure, 2 bad usage (one-line message).
#include <CLI/CLI.hpp>
#include <spdlog/sinks/stdout_color_sinks.h>
#include <spdlog/spdlog.h>

#include <cstdio>
#include <cstdlib>

#include "tools/cli_util.h"
#include "tools/kafka_cli.h"
#include "tools/verbs.h"

using namespace eventmart::cli;

namespace {

// "5m" -> milliseconds, or a usage error naming the flag.
CLI::Validator DurationCheck() {
  return CLI::Validator(
      [](std::string& value) -> std::string {
        return ParseDuration(value) ? std::string() : "'" + value + "' is not a duration like 500ms, 2s, 5m, 1h";
      },
      "DURATION");
}

// serve's and project's --auth jwt flags (tools/serve_auth.h).
void AddAuthFlags(CLI::App* cmd, AuthCliOptions* auth) {
  cmd->add_option("--auth", auth->auth, "Shoppers' authentication: none (user ids from paths and bodies) or jwt")
      ->capture_default_str()->check(CLI::IsMember({"none", "jwt"}));
  cmd->add_option("--jwks", auth->jwks_file, "JSON Web Key Set of RS256/ES256 public keys, by kid (re-read on SIGHUP)");
  cmd->add_option("--jwt-hs256-secret-file", auth->jwt_hs256_secret_file, "File holding the HS256 secret (32+ bytes)");
  cmd->add_option("--jwt-issuer", auth->jwt_issuer, "Required 'iss' of tokens");
  cmd->add_option("--jwt-audience", auth->jwt_audience, "Required 'aud' of tokens");
  cmd->add_option("--jwt-cache-entries", auth->jwt_cache_entries, "Verified tokens kept in memory (0: none)")
      ->capture_default_str();
}

}  // namespace

int main(int argc, char** argv) {
  CLI::App app{"EventMart: an event-sourced order service.", "eventmart"};
  app.require_subcommand(1);
  app.set_help_all_flag("--help-all", "Every verb's help");

  ServeOptions serve;
  std::string ttl = "5m";
  auto* serve_cmd = app.add_subcommand("serve", "Run the HTTP service");
  serve_cmd->add_option("--data-dir", serve.data_dir, "Folder for the event log and read models")->capture_default_str();
  serve_cmd->add_option("--listen", serve.listen, "HOST:PORT to listen on (port 0 picks one)")->capture_default_str();
  serve_cmd->add_option("--admin-token", serve.admin_token, "Bearer token for /api/v1/admin routes")
      ->envname("EVENTMART_ADMIN_TOKEN");
  serve_cmd->add_option("--order-ttl", ttl, "How long an unpaid order lives")->capture_default_str()->check(DurationCheck());
  serve_cmd->add_option("--max-balance", serve.max_balance, "Highest balance a user may hold")
      ->capture_default_str()->check(CLI::Range(std::int64_t{1}, INT64_MAX));
  serve_cmd->add_option("--threads", serve.threads, "HTTP I/O threads")->capture_default_str()->check(CLI::Range(1, 64));
  serve_cmd->add_option("--rate-limit", serve.rate_limits,
                        "CLASS=N/s[:BURST]: at most N requests a second (BURST at once, default N) per user; "
                        "CLASS is coupon-issue, commands or queries (repeatable)");
  serve_cmd->add_option("--rate-limit-ip", serve.rate_limits_ip,
                        "CLASS=N/s[:BURST]: the same, per client IP address (repeatable)");
  serve_cmd->add_flag("--demo", serve.demo, "Load demo data into an empty store (users, products, coupons, three days of paid orders)");
  AddKafkaFlags(serve_cmd, &serve.kafka, /*brokers_required=*/false);
  std::string snapshot_every = "10m", retention = "24h";
  serve_cmd->add_option("--snapshot-every-events", serve.snapshot_every_events,
                        "Write a write-model snapshot after this many events...")
      ->capture_default_str()->check(CLI::Range(std::uint64_t{1000}, UINT64_MAX));
  serve_cmd->add_option("--snapshot-every", snapshot_every, "...or after this long, if at least 1% of that many were")
      ->capture_default_str()->check(DurationCheck());
  serve_cmd->add_option("--idempotency-retention", retention,
                        "How long an Idempotency-Key's first response is kept (at least 1m)")
      ->capture_default_str()->check(DurationCheck());
  auto* node_id = serve_cmd->add_option("--node-id", serve.node_id, "This node's id in --peers (a cluster; see README)")
                      ->check(CLI::Range(1, 1000));
  auto* peers = serve_cmd->add_option("--peers", serve.peers, "Every cluster node: 1=http://HOST:PORT,2=...,3=...");
  auto* etcd = serve_cmd->add_option("--etcd-endpoints", serve.etcd_endpoints,
                                     "etcd client URLs of the cluster's coordination: http://HOST:2379,...");
  node_id->needs(peers)->needs(etcd);
  peers->needs(node_id);
  etcd->needs(node_id);
  serve_cmd->add_option("--cluster-prefix", serve.cluster_prefix, "Prefix of this cluster's keys in etcd")
      ->capture_default_str();
  serve_cmd->add_option("--cluster-retain-batches", serve.cluster_retain_batches,
                        "Committed batches kept in etcd for members that are down or behind")
      ->capture_default_str()->check(CLI::Range(std::uint64_t{100}, std::uint64_t{100'000'000}));
  serve_cmd->add_option("--cluster-batch-packing", serve.cluster_batch_packing,
                        "How the leader stores batches in etcd; every node reads both, `none` is for a rolling "
                        "upgrade while nodes that read unpacked batches only still follow")
      ->capture_default_str()->check(CLI::IsMember({"zstd", "none"}));

  DevClusterOptions dev_cluster;
  auto* dev_cluster_cmd = app.add_subcommand(
      "dev-cluster", "etcd and N clustered serve processes on loopback; prints one JSON line; stops all on SIGTERM");
  dev_cluster_cmd->add_option("--nodes", dev_cluster.nodes, "Serve processes")->capture_default_str()->check(CLI::Range(1, 9));
  dev_cluster_cmd->add_option("--dir", dev_cluster.dir, "Folder for every node's data and logs")->required();
  dev_cluster_cmd->add_option("--admin-token", dev_cluster.admin_token, "Admin token of every node");
  dev_cluster_cmd->add_option("serve_flags", dev_cluster.serve_flags, "After --: more flags for every serve");
  AddAuthFlags(serve_cmd, &serve.auth);
  serve_cmd->add_flag("--issue-tokens", serve.auth.issue_tokens,
                      "Development and demo only: sign-up without a token gets an HS256 token signed by the server");

  ProjectOptions project;
  auto* project_cmd = app.add_subcommand("project", "A query node: read models built from the Kafka feed, GET routes only");
  project_cmd->add_option("--data-dir", project.data_dir, "Folder for the node's copy of the log and its read models")
      ->required();
  project_cmd->add_option("--listen", project.listen, "HOST:PORT to listen on (port 0 picks one)")->capture_default_str();
  project_cmd->add_option("--admin-token", project.admin_token, "Bearer token for /api/v1/admin routes")
      ->envname("EVENTMART_ADMIN_TOKEN");
  project_cmd->add_option("--threads", project.threads, "HTTP I/O threads")->capture_default_str()->check(CLI::Range(1, 64));
  project_cmd->add_option("--feed-max-buffered", project.max_buffered,
                          "Events held in memory ahead of a missing position before partitions far ahead pause")
      ->capture_default_str()->check(CLI::Range(std::size_t{1}, std::size_t{100'000'000}));
  AddKafkaFlags(project_cmd, &project.kafka, /*brokers_required=*/true);
  AddAuthFlags(project_cmd, &project.auth);

  DevKafkaOptions dev_kafka;
  auto* dev_kafka_cmd = app.add_subcommand(
      "dev-kafka", "A Kafka stand-in for development and tests (librdkafka's mock cluster); prints its address");
  dev_kafka_cmd->add_option("--brokers", dev_kafka.brokers, "Brokers")->capture_default_str()->check(CLI::Range(1, 16));
  dev_kafka_cmd->add_option("--partitions", dev_kafka.partitions, "Partitions of each topic it creates")
      ->capture_default_str()->check(CLI::Range(1, 1024));
  dev_kafka_cmd->add_option("--kafka-topic-prefix", dev_kafka.kafka.topic_prefix, "Event topics are PREFIX<category>")
      ->capture_default_str();
  dev_kafka_cmd->add_option("--kafka-data-platform-topic", dev_kafka.kafka.data_platform_topic,
                            "Topic of the paid-order messages")->capture_default_str();

  StatsOptions stats;
  auto* stats_cmd = app.add_subcommand("stats", "Counts and sizes of a store (works while a server runs)");
  stats_cmd->add_option("--data-dir", stats.data_dir, "The store's folder")->required();
  stats_cmd->add_flag("--json", stats.json, "Print JSON instead of text");

  BenchAppendOptions bench;
  auto* bench_cmd = app.add_subcommand("bench", "Benchmarks");
  bench_cmd->require_subcommand(1);
  auto* append_cmd = bench_cmd->add_subcommand("append", "Durable appends of ~200-byte events; prints events_per_sec last");
  append_cmd->add_option("--data-dir", bench.data_dir, "A new folder for the benchmark store")->required();
  append_cmd->add_option("--events", bench.events, "How many events")->capture_default_str();
  append_cmd->add_option("--writers", bench.writers, "Concurrent writers, one append outstanding each")->capture_default_str();
  append_cmd->add_option("--events-per-append", bench.events_per_append, "Events in each append")->capture_default_str();
  append_cmd->add_flag("--blocking", bench.blocking, "Writers are OS threads blocking on each append");
  append_cmd->add_flag("--no-sync", bench.no_sync, "Skip fsync (not durable; for comparison only)");

  BenchReplayOptions replay;
  auto* replay_cmd = bench_cmd->add_subcommand("replay", "Reads and decodes the whole log; prints events_per_sec last");
  replay_cmd->add_option("--data-dir", replay.data_dir, "The store's folder")->required();

  BenchSnapshotOptions snapshot;
  auto* snapshot_cmd = bench_cmd->add_subcommand("snapshot", "Reads and decodes the newest write-model snapshot; prints the median decode last");
  snapshot_cmd->add_option("--data-dir", snapshot.data_dir, "The store's folder")->required();
  snapshot_cmd->add_option("--runs", snapshot.runs, "Timed runs")->capture_default_str()->check(CLI::Range(1, 1000));

  BenchIssueOptions issue;
  auto* issue_cmd = bench_cmd->add_subcommand("issue", "The coupon storm through the command processor, without HTTP");
  issue_cmd->add_option("--data-dir", issue.data_dir, "A new folder for the benchmark store")->required();
  issue_cmd->add_option("--users", issue.users, "Users, and the coupon's quantity")->capture_default_str();
  issue_cmd->add_option("--writers", issue.writers, "Concurrent submitters")->capture_default_str();
  issue_cmd->add_option("--snapshot-every-events", issue.snapshot_every_events,
                        "Take write-model snapshots during the storm, every N events (0: none)")->capture_default_str();

  BenchRelayOptions bench_relay;
  auto* relay_cmd = bench_cmd->add_subcommand("relay", "Publish a whole store to Kafka through the relay; prints events_per_sec last");
  relay_cmd->add_option("--data-dir", bench_relay.data_dir, "A store no server is using")->required();
  relay_cmd->add_option("--partitions", bench_relay.partitions, "Partitions per topic of the in-process mock cluster")
      ->capture_default_str();
  AddKafkaFlags(relay_cmd, &bench_relay.kafka, /*brokers_required=*/false);

  BenchBestOptions best;
  auto* best_cmd = bench_cmd->add_subcommand("best", "The best-seller query (top 5 of 3 days), timed in process");
  best_cmd->add_option("--products", best.products, "Products that sell")->capture_default_str();
  best_cmd->add_option("--sales", best.sales, "Sale lines over four days")->capture_default_str();
  best_cmd->add_option("--queries", best.queries, "Queries to time")->capture_default_str();

  LoadOptions load;
  auto* load_cmd = app.add_subcommand("load", "Fill a new store with a realistic history (through the command processor)");
  load_cmd->add_option("--data-dir", load.data_dir, "A new store's folder")->required();
  load_cmd->add_option("--users", load.users, "Users, each charged to the balance limit")->capture_default_str();
  load_cmd->add_option("--products", load.products, "Products with 1-3 options")->capture_default_str();
  load_cmd->add_option("--orders", load.orders,
                       "Orders: 70% paid at once, 15% paid later, 10% cancelled, 5% left to expire")->capture_default_str();
  load_cmd->add_option("--days", load.days, "Days of history the orders spread over")->capture_default_str();
  load_cmd->add_option("--in-flight", load.in_flight, "Commands outstanding at once")->capture_default_str();
  load_cmd->add_option("--seed", load.seed, "Random seed")->capture_default_str();

  ReplayOptions replay_events;
  auto* replay_events_cmd = app.add_subcommand("replay", "Print events as JSON lines or CSV (works on a live store)");
  replay_events_cmd->add_option("--data-dir", replay_events.data_dir, "The store's folder")->required();
  replay_events_cmd->add_option("--stream", replay_events.stream, "Only this stream, e.g. account-42");
  replay_events_cmd->add_option("--category", replay_events.category, "Only this category, e.g. order");
  replay_events_cmd->add_option("--type", replay_events.types, "Only this event type (repeatable), e.g. order.OrderPaid");
  replay_events_cmd->add_option("--from-position", replay_events.from_position, "First position (inclusive)")
      ->check(CLI::Range(std::uint64_t{1}, ~std::uint64_t{0}));
  replay_events_cmd->add_option("--to-position", replay_events.to_position, "Last position (inclusive)")
      ->check(CLI::Range(std::uint64_t{1}, ~std::uint64_t{0}));
  replay_events_cmd->add_option("--since", replay_events.since, "Only events at or after this RFC 3339 time");
  replay_events_cmd->add_option("--until", replay_events.until, "Only events at or before this RFC 3339 time");
  replay_events_cmd->add_flag("--follow", replay_events.follow, "Keep printing new events until interrupted");
  replay_events_cmd->add_option("--format", replay_events.format, "jsonl or csv")
      ->capture_default_str()->check(CLI::IsMember({"jsonl", "csv"}));

  BenchLimiterOptions bench_limiter;
  auto* limiter_cmd = bench_cmd->add_subcommand("limiter", "The rate-limit gate's cost per request, in process; prints requests_per_sec last");
  limiter_cmd->add_option("--requests", bench_limiter.requests, "Requests, each a distinct user")->capture_default_str();
  limiter_cmd->add_option("--threads", bench_limiter.threads, "Threads, each its own client IP")->capture_default_str();

  RebuildOptions rebuild;
  auto* rebuild_cmd = app.add_subcommand("rebuild", "Drop and rebuild read models from the log (server stopped)");
  rebuild_cmd->add_option("--data-dir", rebuild.data_dir, "The store's folder")->required();
  rebuild_cmd->add_option("--projection", rebuild.projection,
                          "balances, catalog, coupons, carts, orders, bestsellers, or all")->capture_default_str();

  VerifyOptions verify;
  auto* verify_cmd = app.add_subcommand("verify", "Check every invariant from the log, and the read models against it");
  verify_cmd->add_option("--data-dir", verify.data_dir, "The store's folder")->required();
  verify_cmd->add_option("--max-balance", verify.max_balance, "The balance limit the server runs with")->capture_default_str();
  verify_cmd->add_flag("--skip-read-models", verify.skip_read_models, "Check the log only");

  BackupOptions backup;
  auto* backup_cmd = app.add_subcommand("backup", "A consistent copy of a store, live or stopped, that serve can start on");
  backup_cmd->add_option("--data-dir", backup.data_dir, "The store's folder")->required();
  backup_cmd->add_option("--to", backup.to, "A new folder for the copy")->required();

  try {
    app.parse(argc, argv);
  } catch (const CLI::CallForHelp& e) {
    return app.exit(e);
  } catch (const CLI::CallForAllHelp& e) {
    return app.exit(e);
  } catch (const CLI::ParseError& e) {
    std::string what = e.what();
    std::fprintf(stderr, "eventmart: %s (see 'eventmart --help')\n", what.c_str());
    return kExitUsage;
  }

  // Logs go to stderr: stdout carries results (the listen address, stats, replays).
  spdlog::set_default_logger(spdlog::stderr_color_mt("eventmart"));
  spdlog::set_pattern("%Y-%m-%dT%H:%M:%S.%eZ %^%l%$ %v", spdlog::pattern_time_type::utc);
  if (*serve_cmd) {
    serve.order_ttl = *ParseDuration(ttl);
    serve.snapshot_every = *ParseDuration(snapshot_every);
    serve.idempotency_retention = *ParseDuration(retention);
    if (serve.idempotency_retention < std::chrono::minutes(1)) {
      std::fprintf(stderr, "eventmart serve: --idempotency-retention must be at least 1m, got '%s'\n",
                   retention.c_str());
      return kExitUsage;
    }
    return Serve(serve);
  }
  if (*project_cmd) return Project(project);
  if (*dev_kafka_cmd) return DevKafka(dev_kafka);
  if (*dev_cluster_cmd) return DevCluster(dev_cluster);
  if (*relay_cmd) return BenchRelay(bench_relay);
  if (*stats_cmd) return Stats(stats);
  if (*load_cmd) return Load(load);
  if (*rebuild_cmd) return Rebuild(rebuild);
  if (*verify_cmd) return Verify(verify);
  if (*backup_cmd) return Backup(backup);
  if (*replay_events_cmd) return Replay(replay_events);
  if (*append_cmd) return BenchAppend(bench);
  if (*replay_cmd) return BenchReplay(replay);
  if (*snapshot_cmd) return BenchSnapshot(snapshot);
  if (*issue_cmd) return BenchIssue(issue);
  if (*best_cmd) return BenchBest(best);
  if (*limiter_cmd) return BenchLimiter(bench_limiter);
  return kExitUsage;
}
