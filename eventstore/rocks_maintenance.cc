// RocksEventStore maintenance: stats by a full scan, and copies of the
// store (a RocksDB checkpoint from a writer; a copy of what a reader sees).
#include <rocksdb/db.h>
#include <rocksdb/utilities/checkpoint.h>
#include <rocksdb/write_batch.h>

#include <cstdlib>
#include <filesystem>

#include "domain/ids.h"
#include "eventstore/rocks_event_store_impl.h"
#include "eventstore/store_errors.h"

namespace eventmart {

using namespace rocks_internal;

Result<StoreStats> RocksEventStore::Impl::ComputeStats() const {
  StoreStats stats;
  auto scanned = Scan({}, [&](const RecordedEventView& e) {
    ++stats.events;
    stats.last_position = e.position;
    ++stats.events_per_type[std::string(e.type)];
    if (e.version == 1) ++stats.streams_per_category[std::string(CategoryOf(e.stream))];
    return ScanStep::kContinue;
  });
  if (!scanned) return Fail(scanned.error());
  // Counted, not estimated: an estimate counts deleted (pruned) records
  // until a compaction drops them.
  std::unique_ptr<rocksdb::Iterator> it(db_->NewIterator(rocksdb::ReadOptions(), commands()));
  for (it->SeekToFirst(); it->Valid(); it->Next()) ++stats.commands;
  if (!it->status().ok()) return Fail(FromStatus(it->status(), "count command records"));
  std::error_code ec;
  for (auto& entry : std::filesystem::recursive_directory_iterator(dir_, ec)) {
    if (entry.is_regular_file(ec)) stats.size_bytes += entry.file_size(ec);
  }
  return stats;
}

Result<GlobalPosition> RocksEventStore::Impl::CopyTo(const std::string& to) const {
  if (std::filesystem::exists(to)) return Fail(StoreErrc::kInvalidArgument, to + " already exists");
  if (!reader_) {
    rocksdb::Checkpoint* checkpoint = nullptr;
    auto s = rocksdb::Checkpoint::Create(db_.get(), &checkpoint);
    std::unique_ptr<rocksdb::Checkpoint> owned(checkpoint);
    if (s.ok()) s = checkpoint->CreateCheckpoint(to);
    if (!s.ok()) return Fail(FromStatus(s, "checkpoint to " + to));
    return last_position();
  }
  rocksdb::Options options = BaseOptions();
  std::vector<rocksdb::ColumnFamilyHandle*> handles;
  rocksdb::DB* raw = nullptr;
  auto s = rocksdb::DB::Open(options, to, Families(options), &handles, &raw);
  if (!s.ok()) return Fail(FromStatus(s, "create " + to));
  std::unique_ptr<rocksdb::DB> copy(raw);
  for (std::size_t i = 0; i < handles_.size() && s.ok(); ++i) s = CopyFamily(handles_[i], copy.get(), handles[i]);
  if (s.ok()) s = copy->Flush(rocksdb::FlushOptions(), handles);
  if (s.ok()) s = copy->SyncWAL();
  for (auto* h : handles) copy->DestroyColumnFamilyHandle(h);
  if (!s.ok()) return Fail(FromStatus(s, "copy to " + to));
  return last_position();
}

rocksdb::Status RocksEventStore::Impl::CopyFamily(rocksdb::ColumnFamilyHandle* from, rocksdb::DB* to,
                                                 rocksdb::ColumnFamilyHandle* into) const {
  rocksdb::ReadOptions ro;
  ro.total_order_seek = true;  // the stream index has a prefix extractor: copy everything
  ro.fill_cache = false;
  std::unique_ptr<rocksdb::Iterator> it(db_->NewIterator(ro, from));
  rocksdb::WriteBatch batch;
  rocksdb::WriteOptions wo;
  wo.disableWAL = true;  // flushed and synced once at the end
  for (it->SeekToFirst(); it->Valid(); it->Next()) {
    batch.Put(into, it->key(), it->value());
    if (batch.Count() >= 10'000) {
      if (auto s = to->Write(wo, &batch); !s.ok()) return s;
      batch.Clear();
    }
  }
  if (!it->status().ok()) return it->status();
  return batch.Count() > 0 ? to->Write(wo, &batch) : rocksdb::Status::OK();
}

}  // namespace eventmart
