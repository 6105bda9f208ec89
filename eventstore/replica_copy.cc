// Pages of this store for a cluster member that etcd can no longer serve:
// the log's envelopes and the command records, exactly as stored, each page
// read from one RocksDB snapshot (cluster/cluster_node.h, "catch-up from a
// peer").
#include <rocksdb/db.h>

#include "eventstore/envelope.h"
#include "eventstore/rocks_event_store_impl.h"
#include "eventstore/store_errors.h"

namespace eventmart {

using namespace rocks_internal;

namespace {

// Releases the snapshot however the read ends.
class SnapshotRead {
 public:
  explicit SnapshotRead(rocksdb::DB* db) : db_(db), snapshot_(db->GetSnapshot()) { options_.snapshot = snapshot_; }
  ~SnapshotRead() { db_->ReleaseSnapshot(snapshot_); }
  SnapshotRead(const SnapshotRead&) = delete;
  SnapshotRead& operator=(const SnapshotRead&) = delete;
  const rocksdb::ReadOptions& options() const { return options_; }

 private:
  rocksdb::DB* db_;
  const rocksdb::Snapshot* snapshot_;
  rocksdb::ReadOptions options_;
};

}  // namespace

Result<RocksEventStore::CopiedPage> RocksEventStore::Impl::ReadLogPage(GlobalPosition from,
                                                                       std::size_t max_events) const {
  if (from == 0) return Fail(StoreErrc::kInvalidArgument, "positions start at 1");
  SnapshotRead read(db_.get());
  CopiedPage page;
  std::string value;
  auto s = db_->Get(read.options(), kSequenceKey, &value);
  if (!s.ok() && !s.IsNotFound()) return Fail(FromStatus(s, "read " + std::string(kSequenceKey)));
  if (s.ok() && value.size() != 8) return Fail(StoreErrc::kCorruption, std::string(kSequenceKey) + " of wrong size");
  if (s.ok()) page.sequence = DecodeFixed64BE(value.data());
  std::unique_ptr<rocksdb::Iterator> it(db_->NewIterator(read.options(), log()));
  it->SeekToLast();
  if (it->Valid()) page.end = DecodeFixed64BE(it->key().data());
  if (!it->status().ok()) return Fail(FromStatus(it->status(), "copy: end of the log"));
  ReplicatedBatchWriter writer;
  writer.Start(from);
  GlobalPosition expected = from;
  for (it->Seek(PositionKey(from)); it->Valid() && expected - from < max_events; it->Next(), ++expected) {
    if (DecodeFixed64BE(it->key().data()) != expected) {
      return Fail(StoreErrc::kCorruption, "copy: position " + std::to_string(expected) + " is missing");
    }
    writer.AddEnvelope(it->value().ToStringView());
  }
  if (!it->status().ok()) return Fail(FromStatus(it->status(), "copy: read the log"));
  page.batch = writer.Finish();
  return page;
}

Result<RocksEventStore::CopiedPage> RocksEventStore::Impl::ReadCommandPage(std::string_view after,
                                                                           std::size_t max_records) const {
  SnapshotRead read(db_.get());
  CopiedPage page;
  page.end = last_position();
  ReplicatedBatchWriter writer;
  writer.Start(0);
  std::size_t n = 0;
  std::unique_ptr<rocksdb::Iterator> it(db_->NewIterator(read.options(), commands()));
  it->Seek(rocksdb::Slice(after.data(), after.size()));
  if (it->Valid() && !after.empty() && it->key().ToStringView() == after) it->Next();
  for (; it->Valid(); it->Next()) {
    if (n == max_records) {
      page.more = true;
      break;
    }
    writer.AddCommand(it->key().ToStringView(), it->value().ToStringView());
    ++n;
  }
  if (!it->status().ok()) return Fail(FromStatus(it->status(), "copy: read command records"));
  page.batch = writer.Finish();
  return page;
}

}  // namespace eventmart
