#include "projections/bulk_rebuild.h"

#include <rocksdb/options.h>
#include <rocksdb/sst_file_writer.h>
#include <unistd.h>

#include <algorithm>
#include <filesystem>
#include <mutex>
#include <thread>

#include "eventstore/codec.h"
#include "eventstore/envelope.h"
#include "eventstore/store_errors.h"
#include "projections/projector.h"

namespace eventmart {
namespace {

constexpr GlobalPosition kProgressEvery = 1 << 16;

// The projections one thread folds, and what they wrote.
struct Fold {
  std::vector<std::unique_ptr<Projection>> projections;
  std::vector<PendingChanges> changes;
  Result<void> done;
};

Result<void> RunFold(const EventStore& log, const ReadModelStore& views, GlobalPosition head, Fold& fold,
                     const std::function<void(GlobalPosition)>* progress) {
  fold.changes.resize(fold.projections.size());
  for (auto& changes : fold.changes) changes.Reserve(head / 4);  // rehashing millions of keys is slow
  std::vector<ReadModelWriter> writers;
  for (std::size_t i = 0; i < fold.projections.size(); ++i) {
    writers.emplace_back(fold.changes[i], nullptr, views.SlotOf(fold.projections[i]->name()));
  }
  Error decode_error;
  std::vector<std::size_t> wanting;
  auto scanned = log.Scan({.from = 1, .to = head}, [&](const RecordedEventView& view) {
    if (progress && *progress && view.position % kProgressEvery == 0) (*progress)(view.position);
    wanting.clear();
    for (std::size_t i = 0; i < fold.projections.size(); ++i) {
      if (fold.projections[i]->Wants(view.type)) wanting.push_back(i);
    }
    if (wanting.empty()) return true;  // not even decoded: the other fold's events
    auto event = DecodeEvent(view);
    if (!event) {
      decode_error = event.error();
      return false;
    }
    for (std::size_t i : wanting) fold.projections[i]->Apply(view, *event, writers[i]);
    return true;
  });
  if (!scanned) return Fail(scanned.error());
  if (decode_error.code) return Fail(decode_error);
  if (progress && *progress) (*progress)(head);
  return {};
}

// Writes `changes` (deletes are dropped: nothing is under the prefix) into
// a new table file; "" when there is nothing to write.
Result<std::string> WriteTable(const ReadModelStore& views, const std::string& name, const PendingChanges& changes,
                               std::size_t common_prefix) {
  rocksdb::Options options;
  options.compression = rocksdb::kNoCompression;
  rocksdb::SstFileWriter writer(rocksdb::EnvOptions(), options);
  std::string path = views.dir() + "/rebuild-" + std::to_string(::getpid()) + "-" + name + ".sst";
  auto s = writer.Open(path);
  std::size_t written = 0;
  changes.ForEachSorted([&](std::string_view key, PendingChanges::Change value) {
    if (!s.ok() || !value) return;
    s = writer.Put(rocksdb::Slice(key.data(), key.size()), rocksdb::Slice(value->data(), value->size()));
    ++written;
  }, common_prefix);
  if (s.ok() && written > 0) s = writer.Finish();
  if (!s.ok()) return Fail(StoreErrc::kIoError, "write " + path + ": " + s.ToString());
  if (written == 0) {
    std::filesystem::remove(path);
    return std::string();
  }
  return path;
}

Result<std::string> WriteCheckpoints(const ReadModelStore& views, const std::vector<std::string>& names,
                                     GlobalPosition position) {
  PendingChanges checkpoints;
  std::string encoded;
  PutFixed64BE(&encoded, position);
  for (const auto& name : names) checkpoints.Put(Projector::CheckpointKey(name), encoded);
  return WriteTable(views, "checkpoints", checkpoints, 0);
}

// Spreads the projections over `threads` folds, round robin in an order
// that pairs the two heaviest (orders, balances) with the light ones; found
// by timing each fold and table on a `load` history.
std::vector<Fold> Split(std::vector<std::unique_ptr<Projection>> projections, int threads) {
  std::vector<Fold> folds(static_cast<std::size_t>(std::clamp<int>(threads, 1, std::max<int>(1, projections.size()))));
  static const std::vector<std::string_view> order = {"orders", "balances", "carts", "catalog", "coupons", "bestsellers"};
  std::stable_sort(projections.begin(), projections.end(), [&](const auto& a, const auto& b) {
    return std::find(order.begin(), order.end(), a->name()) < std::find(order.begin(), order.end(), b->name());
  });
  for (std::size_t i = 0; i < projections.size(); ++i) folds[i % folds.size()].projections.push_back(std::move(projections[i]));
  return folds;
}

}  // namespace

Result<GlobalPosition> BulkRebuild(const EventStore& log, ReadModelStore& views,
                                   std::vector<std::unique_ptr<Projection>> projections,
                                   const BulkRebuildOptions& options) {
  GlobalPosition head = log.LastPosition();
  std::vector<std::string> names;
  for (const auto& p : projections) names.emplace_back(p->name());
  std::vector<Fold> folds = Split(std::move(projections), options.threads);
  // Each thread folds its projections, then writes their tables: no barrier
  // between the two, so a thread that finishes folding early starts writing.
  std::vector<std::string> files;
  std::mutex files_mu;
  std::vector<std::thread> threads;
  for (std::size_t t = 0; t < folds.size(); ++t) {
    threads.emplace_back([&, t] {
      Fold& fold = folds[t];
      fold.done = RunFold(log, views, head, fold, t == 0 ? &options.progress : nullptr);
      for (std::size_t i = 0; fold.done && i < fold.projections.size(); ++i) {
        std::string name(fold.projections[i]->name());
        auto file = WriteTable(views, name, fold.changes[i], views.SlotOf(name).size());
        if (!file) {
          fold.done = Fail(file.error());
          break;
        }
        fold.changes[i] = PendingChanges();  // give the memory back early
        std::lock_guard lock(files_mu);
        if (!file->empty()) files.push_back(std::move(*file));
      }
    });
  }
  for (auto& thread : threads) thread.join();
  auto checkpoints = WriteCheckpoints(views, names, head);
  if (checkpoints) files.push_back(*checkpoints);
  for (const auto& fold : folds) {
    if (!fold.done || !checkpoints) {
      for (const auto& file : files) std::filesystem::remove(file);
      return Fail(!fold.done ? fold.done.error() : checkpoints.error());
    }
  }
  if (auto ingested = views.Ingest(files); !ingested) return Fail(ingested.error());
  return head;
}

}  // namespace eventmart
