// tools/verbs.h
// One function per `eventmart` verb; each returns the process exit code.
#pragma once

#include <chrono>
#include <string>
#include <cstdint>
#include <vector>

#include "domain/ids.h"

namespace eventmart::cli {

// --kafka-brokers, --kafka-property k=v (repeatable) and the topic names.
struct KafkaCliOptions {
  std::string brokers;
  std::vector<std::string> properties;
  std::string topic_prefix = "eventmart.";
  std::string data_platform_topic = "data-platform.orders";
};

// Shoppers' bearer tokens (tools/serve_auth.h): --auth none (v1) or jwt.
struct AuthCliOptions {
  std::string auth = "none";
  std::string jwks_file;
  std::string jwt_hs256_secret_file;
  std::string jwt_issuer;
  std::string jwt_audience;
  bool issue_tokens = false;  // serve only
  std::size_t jwt_cache_entries = 100'000;
};

struct ServeOptions {
  std::string data_dir = "data";
  std::string listen = "127.0.0.1:8080";
  std::string admin_token;
  std::chrono::milliseconds order_ttl{5 * 60 * 1000};
  Money max_balance = kDefaultMaxBalance;
  bool demo = false;
  int threads = 2;
  KafkaCliOptions kafka;  // no brokers: no relay
  std::uint64_t snapshot_every_events = 1'000'000;
  std::chrono::milliseconds snapshot_every{std::chrono::minutes(10)};
  std::chrono::milliseconds idempotency_retention{std::chrono::hours(24)};
  // Cluster (all three or none): this node's id, every node's URL, etcd.
  int node_id = 0;
  std::string peers;           // 1=http://HOST:PORT,2=...
  std::string etcd_endpoints;  // http://HOST:PORT,...
  std::string cluster_prefix = "/eventmart/";
  std::uint64_t cluster_retain_batches = 5'000;
  std::string cluster_batch_packing = "zstd";  // how the leader stores batches in etcd: zstd or none
  std::vector<std::string> rate_limits;     // --rate-limit CLASS=N/s[:BURST], per user
  std::vector<std::string> rate_limits_ip;  // --rate-limit-ip CLASS=N/s[:BURST], per client IP
  AuthCliOptions auth;
};
int Serve(const ServeOptions& options);

// A query node: read models built from the Kafka feed, GET routes only.
struct ProjectOptions {
  std::string data_dir;
  std::string listen = "127.0.0.1:8081";
  std::string admin_token;
  int threads = 2;
  std::size_t max_buffered = 200'000;  // events held ahead of a gap before partitions pause
  KafkaCliOptions kafka;
  AuthCliOptions auth;  // the same checks as serve's, for the GET routes
};
int Project(const ProjectOptions& options);

// etcd members and N clustered `serve` processes on loopback, for
// development and tests; prints one JSON line describing the nodes.
struct DevClusterOptions {
  int nodes = 3;
  std::string dir;
  std::string admin_token;
  std::vector<std::string> serve_flags;  // after `--`
};
int DevCluster(const DevClusterOptions& options);

// librdkafka's mock cluster on loopback, for development and tests.
struct DevKafkaOptions {
  int brokers = 3;
  int partitions = 8;
  KafkaCliOptions kafka;  // only the topic names are used
};
int DevKafka(const DevKafkaOptions& options);

// Relay throughput: publish a whole store to Kafka and time it.
struct BenchRelayOptions {
  std::string data_dir;
  KafkaCliOptions kafka;  // no brokers: an in-process mock cluster
  int partitions = 16;
};
int BenchRelay(const BenchRelayOptions& options);

struct StatsOptions {
  std::string data_dir;
  bool json = false;
};
int Stats(const StatsOptions& options);

struct BenchAppendOptions {
  std::string data_dir;
  std::uint64_t events = 1'000'000;
  int writers = 64;
  int events_per_append = 1;
  bool blocking = false;  // OS threads blocking on Append, instead of async writers
  bool no_sync = false;
};
int BenchAppend(const BenchAppendOptions& options);

struct BenchReplayOptions {
  std::string data_dir;
};
int BenchReplay(const BenchReplayOptions& options);

struct BenchSnapshotOptions {
  std::string data_dir;
  int runs = 5;
};
int BenchSnapshot(const BenchSnapshotOptions& options);

struct BenchIssueOptions {
  std::string data_dir;
  std::int64_t users = 200'000;
  int writers = 256;
  std::uint64_t snapshot_every_events = 0;  // 0: no snapshots during the storm
};
int BenchIssue(const BenchIssueOptions& options);

struct BenchBestOptions {
  std::int64_t products = 10'000;
  std::int64_t sales = 1'000'000;
  std::int64_t queries = 100'000;
};
int BenchBest(const BenchBestOptions& options);

// The rate-limit gate's cost per request, in process (tools/bench_limiter.cc).
struct BenchLimiterOptions {
  std::int64_t requests = 2'000'000;
  int threads = 2;
};
int BenchLimiter(const BenchLimiterOptions& options);

struct LoadOptions {
  std::string data_dir;
  std::int64_t users = 10'000;
  std::int64_t products = 1'000;
  std::int64_t orders = 100'000;
  std::int64_t days = 7;
  std::int64_t in_flight = 512;
  std::uint64_t seed = 1;
};
int Load(const LoadOptions& options);

struct ReplayOptions {
  std::string data_dir;
  std::string stream;
  std::string category;
  std::vector<std::string> types;
  std::uint64_t from_position = 1;
  std::uint64_t to_position = ~std::uint64_t{0};
  std::string since;
  std::string until;
  bool follow = false;
  std::string format = "jsonl";
};
int Replay(const ReplayOptions& options);

struct RebuildOptions {
  std::string data_dir;
  std::string projection = "all";
};
int Rebuild(const RebuildOptions& options);

struct VerifyOptions {
  std::string data_dir;
  Money max_balance = kDefaultMaxBalance;
  bool skip_read_models = false;
};
int Verify(const VerifyOptions& options);

struct BackupOptions {
  std::string data_dir;
  std::string to;
};
int Backup(const BackupOptions& options);

}  // namespace eventmart::cli
