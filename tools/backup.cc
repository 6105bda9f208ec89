// eventmart backup: a consistent copy of a store that `serve` can start on.
// A stopped store is checkpointed (hard links); a live one is copied through
// reader instances, each at one point in time. The read models may be a
// little behind the copied log; `serve` catches them up on start.
#include <chrono>
#include <cstdio>
#include <filesystem>

#include "eventstore/rocks_event_store.h"
#include "eventstore/store_errors.h"
#include "projections/read_model_store.h"
#include "tools/cli_util.h"
#include "tools/verbs.h"

namespace eventmart::cli {

int Backup(const BackupOptions& o) {
  if (std::filesystem::exists(o.to)) {
    std::fprintf(stderr, "eventmart backup: %s already exists; back up into a new folder\n", o.to.c_str());
    return kExitFailure;
  }
  if (!std::filesystem::exists(o.data_dir + "/events/CURRENT")) {
    std::fprintf(stderr, "eventmart backup: no store in %s\n", o.data_dir.c_str());
    return kExitFailure;
  }
  auto start = std::chrono::steady_clock::now();
  std::filesystem::create_directories(o.to);
  // Views first: if they are copied before the log, they can only be behind it.
  std::unique_ptr<ReadModelStore> views;
  bool live = false;
  if (auto owned = ReadModelStore::Open(o.data_dir + "/views"); owned) {
    views = std::move(*owned);
  } else if (owned.error().code == StoreErrc::kBusy) {
    live = true;
    auto reader = ReadModelStore::OpenReader(o.data_dir + "/views");
    if (reader) views = std::move(*reader);
  }
  if (views) {
    if (auto copied = views->CopyTo(o.to + "/views"); !copied) {
      std::fprintf(stderr, "eventmart backup: %s\n", copied.error().Describe().c_str());
      return kExitFailure;
    }
  }
  auto store = live ? RocksEventStore::OpenReader(o.data_dir + "/events") : RocksEventStore::Open(o.data_dir + "/events");
  if (!store && store.error().code == StoreErrc::kBusy) store = RocksEventStore::OpenReader(o.data_dir + "/events");
  if (!store) {
    std::fprintf(stderr, "eventmart backup: %s\n", store.error().Describe().c_str());
    return kExitFailure;
  }
  auto copied = (*store)->CopyTo(o.to + "/events");
  if (!copied) {
    std::fprintf(stderr, "eventmart backup: %s\n", copied.error().Describe().c_str());
    return kExitFailure;
  }
  double seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
  std::printf("backed up %s store to %s: log up to position %llu, in %.1f s\n", live ? "a live" : "a stopped", o.to.c_str(),
              static_cast<unsigned long long>(*copied), seconds);
  return kExitOk;
}

}  // namespace eventmart::cli
