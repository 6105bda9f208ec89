// eventstore/rocks_event_store.h
// The EventStore on RocksDB. Column families:
//   log       8-byte big-endian position -> envelope (eventstore/envelope.h)
//   streams   hash64(stream) BE + version BE -> position BE   (stream index)
//   commands  command id -> AppendResult + payload             (idempotency)
//   default   bookkeeping (PutMeta): relay checkpoint, feed offsets
// The stream index is keyed by a hash so that its keys are short and its
// memtable is a hash of small skiplists (inserts stay cheap at millions of
// streams); readers compare the stored stream name, so a hash collision
// cannot mix streams.
//
// One committer thread takes every append waiting in the queue, checks
// versions against in-memory stream heads, writes one WriteBatch and syncs
// it once, then publishes the new head position and runs the callbacks.
// A failed write poisons the store (kStoreFailed): positions must never have
// gaps, so the process must reopen the store to learn what was written.
#pragma once

#include <cstdint>
#include <map>
#include <memory>
#include <string>

#include "eventstore/event_store.h"
#include "eventstore/histogram.h"
#include "eventstore/rocks_memory.h"

namespace rocksdb {
class DB;
}

namespace eventmart {

class Replicator;

struct RocksStoreOptions {
  bool sync = true;  // fsync every commit group; false only for explicit benchmarks
  std::size_t max_group_appends = 8192;
  // Stream heads the committer keeps in memory, per generation (two); the
  // others are read from the stream index when an append names them.
  std::size_t head_cache_entries = 65'536;
};

struct StoreStats {
  std::uint64_t events = 0;
  GlobalPosition last_position = 0;
  std::map<std::string, std::uint64_t> streams_per_category;
  std::map<std::string, std::uint64_t> events_per_type;
  std::uint64_t commands = 0;
  std::uint64_t size_bytes = 0;
};

class RocksEventStore final : public EventStore {
 public:
  // Opens or creates the store in `dir` for appending. kBusy if another
  // process holds it.
  [[nodiscard]] static Result<std::unique_ptr<RocksEventStore>> Open(
      const std::string& dir, RocksStoreOptions options = {});

  // Opens a store that another process may be writing, read-only (a RocksDB
  // secondary instance). CatchUp() picks up what was written since.
  [[nodiscard]] static Result<std::unique_ptr<RocksEventStore>> OpenReader(const std::string& dir);

  ~RocksEventStore() override;  // drains queued appends, then closes

  void AppendAsync(AppendRequest request, AppendCallback done) override;
  Result<std::vector<RecordedEvent>> ReadStream(std::string_view stream, StreamVersion from,
                                                std::size_t limit) const override;
  Result<std::size_t> Scan(const ScanOptions& options, const ScanVisitor& visit) const override;
  GlobalPosition LastPosition() const override;
  bool WaitForPosition(GlobalPosition position, std::chrono::milliseconds timeout) const override;
  Result<std::optional<AppendResult>> FindCommand(std::string_view command_id) const override;

  // Deletes the command records (idempotency) recorded before
  // `recorded_before_ms` (wall clock), oldest first, at most kPruneBatch per
  // call; returns how many. Serialised with appends on the committer thread.
  [[nodiscard]] Result<std::uint64_t> PruneCommands(std::int64_t recorded_before_ms);
  static constexpr std::uint64_t kPruneBatch = 20'000;

  // Small bookkeeping values beside the log (the default column family):
  // the Kafka relay's checkpoint, a query node's partition offsets. Never
  // part of an append; a write is not synced, but the WAL keeps it behind
  // every append made before it.
  [[nodiscard]] Result<void> PutMeta(std::string_view key, std::string_view value);
  [[nodiscard]] Result<std::optional<std::string>> GetMeta(std::string_view key) const;
  // Reader instances only: catch up with the writing process.
  [[nodiscard]] Result<GlobalPosition> CatchUp();

  // A consistent copy of the store in `dir` (which must not exist), that a
  // writer can open. A writer instance makes a RocksDB checkpoint (hard
  // links, instant); a reader instance copies what it sees, which is one
  // point in time of a live store. Returns the last position copied.
  [[nodiscard]] Result<GlobalPosition> CopyTo(const std::string& dir) const;

  // Cluster (eventstore/replicator.h). With a replicator, every commit
  // group is first handed to it and written locally only if it is durable
  // on a majority; set it once, before the first append. Not owned.
  void SetReplicator(Replicator* replicator);
  // The number of the last replicated batch in this store (0: none).
  std::uint64_t ReplicatedSequence() const;
  // Writes batch number `sequence`, committed by the cluster's leader, at
  // the positions it names (blocking; a follower's path). kOutOfSequence
  // unless it follows the last batch and the last position exactly.
  [[nodiscard]] Result<void> ApplyReplicated(std::uint64_t sequence, std::string batch);

  // Catch-up of a member that etcd can no longer serve (cluster/, "a node
  // further behind than etcd's retained batches"): a peer copies its log
  // and idempotency records in the exact stored form, page by page.
  struct CopiedPage {
    std::string batch;             // a replicated batch (replicated_batch.h)
    GlobalPosition end = 0;        // the log's end in the snapshot the page was read from
    std::uint64_t sequence = 0;    // the last replicated batch in that snapshot
    bool more = false;             // commands: records after the page's last id remain
  };
  // Up to `max_events` envelopes from position `from` (the batch holds no
  // commands), all read from one RocksDB snapshot, with that snapshot's end
  // and batch number: a page that reaches `end` leaves the copy exactly at
  // batch `sequence`.
  [[nodiscard]] Result<CopiedPage> ReadLogPage(GlobalPosition from, std::size_t max_events) const;
  // Up to `max_records` command records (idempotency) with ids after
  // `after` ("" = from the first), as stored.
  [[nodiscard]] Result<CopiedPage> ReadCommandPage(std::string_view after, std::size_t max_records) const;
  // Writes a page copied from a peer at the positions it names (blocking,
  // through the committer). `sequence` > 0 then becomes this store's
  // replicated batch number; it may not go back. kOutOfSequence unless the
  // page's first position follows this log's end.
  [[nodiscard]] Result<void> ApplyCopied(std::string batch, std::uint64_t sequence);

  // Counts by a full scan of the log (progress is the caller's concern).
  [[nodiscard]] Result<StoreStats> ComputeStats() const;

  const StoreMetrics& metrics() const;
  const std::string& dir() const;
  rocksdb::DB* db() const;  // for checkpoints (backup)
  // What the log's database holds in memory (for /metrics).
  RocksMemory MemoryUsage() const;

  class Impl;

 private:
  explicit RocksEventStore(std::unique_ptr<Impl> impl);
  std::unique_ptr<Impl> impl_;
};

// Stable 64-bit hash of a stream name (FNV-1a with a murmur finaliser).
std::uint64_t StreamHash(std::string_view stream);

}  // namespace eventmart
