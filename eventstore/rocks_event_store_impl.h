// eventstore/rocks_event_store_impl.h
// Internal to RocksEventStore: not for callers, who use rocks_event_store.h.
// The implementation is split by concern, as LevelDB keeps DBImpl, repair
// and dumping apart:
//   rocks_event_store.cc   open/close, reads (Scan, ReadStream, FindCommand),
//                          the key and command-record formats
//   rocks_committer.cc     the append queue and the group-commit thread
//   rocks_options.cc       RocksDB options and column-family tuning
//   rocks_maintenance.cc   stats and copies (checkpoints, reader copies)
//   replica_copy.cc        pages of the log and command records for a peer
#pragma once

#include <rocksdb/db.h>
#include <rocksdb/write_batch.h>

#include <atomic>
#include <functional>
#include <condition_variable>
#include <memory>
#include <mutex>
#include <string>
#include <string_view>
#include <thread>
#include <unordered_map>
#include <vector>

#include "eventstore/replicated_batch.h"
#include "eventstore/replicator.h"
#include "eventstore/rocks_event_store.h"

namespace eventmart {
namespace rocks_internal {

inline constexpr const char* kLogFamily = "log";
inline constexpr const char* kStreamsFamily = "streams";
inline constexpr const char* kCommandsFamily = "commands";
// Command ids by the time they were recorded ("when" big-endian, then the
// id): pruning walks the oldest first and stops at the cut.
inline constexpr const char* kCommandExpiryFamily = "command_expiry";
// In the default family: the last replicated batch's number (8 bytes BE).
inline constexpr const char* kSequenceKey = "cluster/sequence";

std::string PositionKey(GlobalPosition p);
std::string ExpiryKey(std::int64_t recorded_at_ms, std::string_view command_id);
std::string StreamIndexKey(std::uint64_t hash, StreamVersion version);
std::string EncodeCommandRecord(const AppendResult& r, std::string_view payload);
Result<AppendResult> DecodeCommandRecord(std::string_view bytes);
Error FromStatus(const rocksdb::Status& s, const std::string& what);

// rocks_options.cc
rocksdb::Options BaseOptions();
std::vector<rocksdb::ColumnFamilyDescriptor> Families(const rocksdb::Options& base);

}  // namespace rocks_internal

class RocksEventStore::Impl {
 public:
  struct PendingAppend {
    AppendRequest request;
    AppendCallback done;
    std::uint64_t replicated_sequence = 0;  // > 0: a leader's batch to apply as is
    bool copied = false;  // a page copied from a peer: replicated_sequence is the number to set (0: keep)
    std::string replicated;
  };

  ~Impl() { Close(); }

  Result<void> OpenDb(const std::string& dir, bool reader);
  void Close();
  Result<GlobalPosition> LoadLastPosition();
  Result<GlobalPosition> CatchUp();
  void Publish(GlobalPosition position);
  GlobalPosition last_position() const { return last_position_.load(std::memory_order_acquire); }
  bool WaitFor(GlobalPosition position, std::chrono::milliseconds timeout) const;

  // Reads (rocks_event_store.cc).
  Result<std::size_t> Scan(const ScanOptions& options, const ScanVisitor& visit) const;
  Result<std::vector<RecordedEvent>> ReadStream(std::string_view stream, StreamVersion from,
                                                std::size_t limit) const;
  Result<RecordedEvent> ReadAt(GlobalPosition position) const;
  Result<std::optional<AppendResult>> FindCommand(std::string_view id) const;

  // Appends (rocks_committer.cc).
  void StartCommitter();
  void Enqueue(AppendRequest request, AppendCallback done);
  void EnqueuePrune(std::int64_t recorded_before_ms, std::function<void(Result<std::uint64_t>)> done);
  void EnqueueReplicated(std::uint64_t sequence, std::string batch, AppendCallback done, bool copied = false);
  // A peer's copy (replica_copy.cc).
  Result<CopiedPage> ReadLogPage(GlobalPosition from, std::size_t max_events) const;
  Result<CopiedPage> ReadCommandPage(std::string_view after, std::size_t max_records) const;
  void SetReplicator(Replicator* replicator) { replicator_.store(replicator, std::memory_order_release); }
  std::uint64_t sequence() const { return published_sequence_.load(std::memory_order_acquire); }
  Result<void> LoadSequence();

  // Maintenance (rocks_maintenance.cc).
  Result<StoreStats> ComputeStats() const;
  Result<GlobalPosition> CopyTo(const std::string& to) const;

  const std::string& dir() const { return dir_; }
  rocksdb::DB* db() const { return db_.get(); }
  RocksMemory MemoryUsage() const { return MemoryOf(*db_, log()); }
  bool reader() const { return reader_; }
  const StoreMetrics& metrics() const { return metrics_; }

 private:
  struct GroupState {
    rocksdb::WriteBatch batch;
    std::unordered_map<std::string, StreamVersion> heads;  // heads changed by this group
    std::unordered_map<std::string, AppendResult> commands;  // ids recorded by this group
    GlobalPosition position = 0;
    std::string scratch;
    std::uint64_t sequence = 0;
    bool replicating = false;  // fill `replica` as the batch is staged
    ReplicatedBatchWriter replica;
  };

  rocksdb::ColumnFamilyHandle* log() const { return handles_[1]; }
  rocksdb::ColumnFamilyHandle* streams() const { return handles_[2]; }
  rocksdb::ColumnFamilyHandle* commands() const { return handles_[3]; }
  // Null on a reader of a store no new writer has opened yet.
  rocksdb::ColumnFamilyHandle* command_expiry() const { return handles_.size() > 4 ? handles_[4] : nullptr; }

  static std::string MakeSecondaryDir();

  rocksdb::Status CopyFamily(rocksdb::ColumnFamilyHandle* from, rocksdb::DB* to, rocksdb::ColumnFamilyHandle* into) const;

  void CommitterLoop();
  void CommitGroup(std::vector<PendingAppend>& group);
  // Deletes the command records recorded before the cut (committer thread:
  // it alone writes command records, so no new record can be deleted).
  Result<std::uint64_t> PruneCommandsBefore(std::int64_t recorded_before_ms);
  // Records kept by a build without expiry index get one, dated now.
  Result<void> IndexUndatedCommands();
  // Stages every append of the group into `state` (a group that applies a
  // leader's batches refuses local appends).
  std::vector<Result<AppendResult>> StageGroup(std::vector<PendingAppend>& group, GroupState& state);
  Result<AppendResult> StageReplicated(const PendingAppend& pending, GroupState& state);
  // Checks one append against the group's view of the heads and, if it
  // passes, adds its writes to the batch. Nothing is added on failure.
  Result<AppendResult> Stage(const AppendRequest& request, GroupState& state);
  AppendResult StageWrites(const AppendRequest& request, const std::vector<StreamVersion>& current,
                           GroupState& state);
  Result<StreamVersion> HeadOf(const std::string& stream, GroupState& state);
  // The last version of `stream` on disk. Walks back over entries of other
  // streams that share the hash (practically never more than one step).
  Result<StreamVersion> LoadHead(const std::string& stream);

 public:
  RocksStoreOptions options_;

 private:
  std::string dir_;
  std::string secondary_dir_;
  bool reader_ = false;
  std::unique_ptr<rocksdb::DB> db_;
  std::vector<rocksdb::ColumnFamilyHandle*> handles_;

  std::mutex queue_mu_;
  std::condition_variable queue_cv_;
  std::vector<PendingAppend> queue_;
  struct PendingPrune {
    std::int64_t recorded_before_ms;
    std::function<void(Result<std::uint64_t>)> done;
  };
  std::vector<PendingPrune> prunes_;
  bool stopping_ = false;
  bool closed_ = false;
  std::thread committer_;

  StoreMetrics metrics_;

  // Committer thread only: stream heads, bounded (RememberHead).
  void RememberHead(const std::string& stream, StreamVersion version);
  std::unordered_map<std::string, StreamVersion> heads_;
  std::unordered_map<std::string, StreamVersion> older_heads_;
  bool failed_ = false;
  std::uint64_t sequence_ = 0;

  std::atomic<Replicator*> replicator_{nullptr};
  std::atomic<std::uint64_t> published_sequence_{0};

  mutable std::mutex position_mu_;
  mutable std::condition_variable position_cv_;
  std::atomic<GlobalPosition> last_position_{0};
};

}  // namespace eventmart
