#include "projections/bulk_rebuild.h"

#include <rocksdb/options.h>
#include <rocksdb/sst_file_writer.h>
#include <unistd.h>

#include <algorithm>
#include <condition_variable>
#include <deque>
#include <filesystem>
#include <mutex>
#include <thread>

#include "eventstore/codec.h"
#include "eventstore/envelope.h"
#include "eventstore/scan_events.h"
#include "eventstore/store_errors.h"
#include "projections/projector.h"
#include "projections/read_model_format.h"

namespace eventmart {
namespace {

constexpr GlobalPosition kProgressEvery = 1 << 16;

// The projections one thread folds, and what they wrote.
struct Fold {
  std::vector<std::unique_ptr<Projection>> projections;
  std::vector<PendingChanges> changes;
  std::vector<ReadModelWriter> writers;
  Result<void> done;

  void Prepare(const ReadModelStore& views, GlobalPosition head) {
    changes.resize(projections.size());
    for (auto& c : changes) c.Reserve(head / 4);  // rehashing millions of keys is slow
    for (std::size_t i = 0; i < projections.size(); ++i) {
      writers.emplace_back(changes[i], nullptr, views.SlotOf(projections[i]->name()));
    }
  }
  // Bit i: projection i wants events of this type (asked once per event).
  std::uint64_t Wanting(std::string_view type) const {
    std::uint64_t mask = 0;
    for (std::size_t i = 0; i < projections.size(); ++i) mask |= std::uint64_t{projections[i]->Wants(type)} << i;
    return mask;
  }
  Result<void> Apply(const RecordedEventView& view, const DomainEvent& event, std::uint64_t wanting) {
    for (std::size_t i = 0; i < projections.size(); ++i) {
      if (wanting >> i & 1) {
        if (auto applied = projections[i]->Apply(view, event, writers[i]); !applied) return applied;
      }
    }
    return {};
  }
};

// An event handed from the scanning thread to the others: decoded once,
// with the envelope fields a projection may read (not the body).
struct Decoded {
  std::string stream;
  StreamVersion version = 0;
  GlobalPosition position = 0;
  EventId id{};
  std::int64_t occurred_at_ms = 0;
  DomainEvent event;

  RecordedEventView View() const {
    return {.stream = stream, .version = version, .position = position, .id = id, .type = TypeOf(event),
            .occurred_at_ms = occurred_at_ms};
  }
};

// Batches of decoded events, from the scanner to one other folding thread.
class BatchQueue {
 public:
  using Batch = std::shared_ptr<const std::vector<Decoded>>;

  void Push(Batch batch) {
    std::unique_lock lock(mu_);
    space_.wait(lock, [this] { return queue_.size() < kMaxBatches; });
    queue_.push_back(std::move(batch));
    items_.notify_one();
  }
  void Close() {
    std::lock_guard lock(mu_);
    closed_ = true;
    items_.notify_all();
  }
  bool Pop(Batch* batch) {
    std::unique_lock lock(mu_);
    items_.wait(lock, [this] { return !queue_.empty() || closed_; });
    if (queue_.empty()) return false;
    *batch = std::move(queue_.front());
    queue_.pop_front();
    space_.notify_one();
    return true;
  }

 private:
  static constexpr std::size_t kMaxBatches = 16;  // bounds the memory between the threads
  std::mutex mu_;
  std::condition_variable space_, items_;
  std::deque<Batch> queue_;
  bool closed_ = false;
};

constexpr std::size_t kBatchEvents = 4096;

// The scanning fold: reads and decodes the log once, applies its own
// projections, and hands what the others want to their queues.
Result<void> ScanFold(const EventStore& log, GlobalPosition head, Fold& fold, const std::vector<Fold*>& others,
                      std::vector<BatchQueue>& queues, const std::function<void(GlobalPosition)>& progress) {
  auto batch = std::make_shared<std::vector<Decoded>>();
  auto flush = [&] {
    if (batch->empty()) return;
    for (auto& q : queues) q.Push(batch);
    batch = std::make_shared<std::vector<Decoded>>();
    batch->reserve(kBatchEvents);
  };
  // Set by `wants`, read by `visit`: each projection's Wants is asked once per event.
  std::uint64_t mine = 0;
  bool theirs = false;
  auto scanned = ScanEvents(
      log, {.from = 1, .to = head},
      [&](const RecordedEventView& view) {
        if (progress && view.position % kProgressEvery == 0) progress(view.position);
        mine = fold.Wanting(view.type);
        theirs = false;
        for (const auto* other : others) theirs = theirs || other->Wanting(view.type) != 0;
        return mine != 0 || theirs;  // wanted by no projection: not even decoded
      },
      [&](const RecordedEventView& view, DomainEvent& event) -> Result<ScanStep> {
        if (mine != 0) {
          if (auto applied = fold.Apply(view, event, mine); !applied) return Fail(applied.error());
        }
        if (theirs) {
          batch->push_back({std::string(view.stream), view.version, view.position, view.id, view.occurred_at_ms,
                            std::move(event)});
          if (batch->size() >= kBatchEvents) flush();
        }
        return ScanStep::kContinue;
      });
  flush();
  for (auto& q : queues) q.Close();
  if (!scanned) return Fail(scanned.error());
  if (progress) progress(head);
  return {};
}

Result<void> ApplyFold(BatchQueue& queue, Fold& fold) {
  Result<void> done;
  BatchQueue::Batch batch;
  while (queue.Pop(&batch)) {
    for (const auto& d : *batch) {
      if (!done) break;  // after a failure, only drain: the scanner must not block on a full queue
      RecordedEventView view = d.View();
      done = fold.Apply(view, d.event, fold.Wanting(view.type));
    }
  }
  return done;
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

// The checkpoints, and the format each rebuilt read model now has.
Result<std::string> WriteCheckpoints(const ReadModelStore& views, const std::vector<std::string>& names,
                                     const std::vector<std::uint32_t>& formats, GlobalPosition position) {
  PendingChanges checkpoints;
  std::string encoded;
  PutFixed64BE(&encoded, position);
  for (std::size_t i = 0; i < names.size(); ++i) {
    checkpoints.Put(Projector::CheckpointKey(names[i]), encoded);
    std::string format(4, '\0');
    for (int b = 0; b < 4; ++b) format[b] = static_cast<char>((formats[i] >> (8 * (3 - b))) & 0xff);
    checkpoints.Put(FormatKey(names[i]), format);
  }
  return WriteTable(views, "checkpoints", checkpoints, 0);
}

// Spreads the projections over `threads` folds, round robin in an order
// that keeps the two heaviest (orders, balances) apart; the first fold also
// scans and decodes. Found by timing splits on a 10M-event `load` history.
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
  std::vector<std::uint32_t> formats;
  for (const auto& p : projections) {
    names.emplace_back(p->name());
    formats.push_back(p->format_version());
  }
  std::vector<Fold> folds = Split(std::move(projections), options.threads);
  // One thread reads and decodes the log and folds its projections; the
  // others fold theirs from what it hands over. Each then writes its
  // projections' tables: no barrier, so who finishes folding first writes first.
  std::vector<std::string> files;
  std::mutex files_mu;
  std::vector<std::thread> threads;
  std::vector<Fold*> others;
  for (std::size_t t = 1; t < folds.size(); ++t) others.push_back(&folds[t]);
  for (auto& fold : folds) fold.Prepare(views, head);
  std::vector<BatchQueue> queues(others.size());
  for (std::size_t t = 0; t < folds.size(); ++t) {
    threads.emplace_back([&, t] {
      Fold& fold = folds[t];
      if (t == 0) {
        fold.done = ScanFold(log, head, fold, others, queues, options.progress);
      } else {
        fold.done = ApplyFold(queues[t - 1], fold);
      }
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
  auto checkpoints = WriteCheckpoints(views, names, formats, head);
  if (checkpoints) files.push_back(*checkpoints);
  for (const auto& fold : folds) {
    if (!fold.done || !checkpoints) {
      for (const auto& file : files) std::filesystem::remove(file);
      return Fail(!fold.done ? fold.done.error() : checkpoints.error());
    }
  }
  if (auto ingested = views.Ingest(files); !ingested) return Fail(ingested.error());
  for (auto& fold : folds) {
    for (auto& projection : fold.projections) projection->Committed();
  }
  return head;
}

}  // namespace eventmart
