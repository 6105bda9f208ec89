// eventmart stats: counts and sizes, from a reader instance (works while a
// server is writing the same store).
#include <cstdio>

#include <nlohmann/json.hpp>

#include <rocksdb/db.h>

#include <map>

#include "commands/write_model_snapshots.h"
#include "eventstore/rocks_event_store.h"
#include "projections/read_model_store.h"
#include "tools/cli_util.h"
#include "tools/verbs.h"

namespace eventmart::cli {

namespace {

struct ModelSize {
  std::uint64_t keys = 0;
  std::uint64_t bytes = 0;
};

// Keys and bytes per read model (flushed state, if a server is writing).
std::map<std::string, ModelSize> ReadModelSizes(const std::string& dir) {
  std::map<std::string, ModelSize> sizes;
  auto views = ReadModelStore::OpenReader(dir);
  if (!views) return sizes;
  std::unique_ptr<rocksdb::Iterator> it((*views)->db()->NewIterator(rocksdb::ReadOptions()));
  for (it->SeekToFirst(); it->Valid(); it->Next()) {
    std::string_view key(it->key().data(), it->key().size());
    if (key.starts_with("~")) continue;
    std::string name(key.substr(0, key.find_first_of("/#")));
    auto& size = sizes[name];
    ++size.keys;
    size.bytes += it->key().size() + it->value().size();
  }
  return sizes;
}

// The newest snapshot, and the write model a server would hold (loaded the
// way it loads it). Errors go into the JSON instead of failing the verb.
nlohmann::json WriteModelJson(const EventStore& store, const std::string& data_dir, GlobalPosition up_to,
                              nlohmann::json* snapshot_json) {
  SnapshotFiles files(data_dir + "/snapshots");
  auto newest = NewestSnapshot(files);
  if (!newest) {
    *snapshot_json = {{"error", newest.error().Describe()}};
  } else if (!newest->exists) {
    *snapshot_json = nullptr;
  } else {
    *snapshot_json = {{"position", newest->position},
                      {"ageSeconds", (SystemClock().NowMs() - newest->written_at_ms) / 1000},
                      {"bytes", newest->bytes}};
  }
  auto loaded = LoadWriteModel(store, &files, up_to);
  if (!loaded) return {{"error", loaded.error().Describe()}};
  AggregateCounts c = loaded->model.Counts();
  return {{"users", c.users},     {"accounts", c.accounts}, {"products", c.products}, {"coupons", c.coupons},
          {"couponHolders", c.coupon_holders}, {"carts", c.carts}, {"orders", c.orders}};
}

}  // namespace

int Stats(const StatsOptions& options) {
  auto store = RocksEventStore::OpenReader(options.data_dir + "/events");
  if (!store) {
    std::fprintf(stderr, "eventmart stats: %s\n", store.error().Describe().c_str());
    return kExitFailure;
  }
  auto stats = (*store)->ComputeStats();
  if (!stats) {
    std::fprintf(stderr, "eventmart stats: %s\n", stats.error().Describe().c_str());
    return kExitFailure;
  }
  if (options.json) {
    nlohmann::json models = nlohmann::json::object();
    for (const auto& [name, size] : ReadModelSizes(options.data_dir + "/views")) {
      models[name] = {{"keys", size.keys}, {"bytes", size.bytes}};
    }
    nlohmann::json snapshot;
    nlohmann::json write_model = WriteModelJson(**store, options.data_dir, stats->last_position, &snapshot);
    nlohmann::json j = {{"events", stats->events},
                        {"snapshot", snapshot},
                        {"writeModel", write_model},
                        {"readModels", models},
                        {"lastPosition", stats->last_position},
                        {"sizeBytes", stats->size_bytes},
                        {"idempotencyRecords", stats->commands},
                        {"streamsPerCategory", stats->streams_per_category},
                        {"eventsPerType", stats->events_per_type}};
    std::printf("%s\n", j.dump(2).c_str());
    return kExitOk;
  }
  std::printf("events:          %llu\n", static_cast<unsigned long long>(stats->events));
  std::printf("last position:   %llu\n", static_cast<unsigned long long>(stats->last_position));
  std::printf("size on disk:    %llu bytes\n", static_cast<unsigned long long>(stats->size_bytes));
  std::printf("idempotency keys (estimate): %llu\n", static_cast<unsigned long long>(stats->commands));
  std::printf("streams per category:\n");
  for (const auto& [category, n] : stats->streams_per_category) {
    std::printf("  %-14s %llu\n", category.c_str(), static_cast<unsigned long long>(n));
  }
  std::printf("read models (keys, bytes):\n");
  for (const auto& [name, size] : ReadModelSizes(options.data_dir + "/views")) {
    std::printf("  %-14s %llu keys, %llu bytes\n", name.c_str(), static_cast<unsigned long long>(size.keys),
                static_cast<unsigned long long>(size.bytes));
  }
  std::printf("events per type:\n");
  for (const auto& [type, n] : stats->events_per_type) {
    std::printf("  %-28s %llu\n", type.c_str(), static_cast<unsigned long long>(n));
  }
  return kExitOk;
}

}  // namespace eventmart::cli
