#include "projections/read_model_store.h"

#include <rocksdb/db.h>
#include <rocksdb/table.h>
#include <rocksdb/utilities/checkpoint.h>
#include <rocksdb/write_batch.h>

#include <cstdlib>
#include <filesystem>

#include "eventstore/store_errors.h"

namespace eventmart {

const std::optional<std::string>* PendingChanges::Find(const std::string& key) const {
  auto it = changes_.find(key);
  return it == changes_.end() ? nullptr : &it->second;
}

void PendingChanges::AppendTo(rocksdb::WriteBatch& batch) const {
  for (const auto& [key, value] : changes_) {
    if (value) {
      batch.Put(key, *value);
    } else {
      batch.Delete(key);
    }
  }
}

void ReadModelWriter::Put(std::string_view key, std::string_view value) { changes_.Put(Key(key), value); }

void ReadModelWriter::Delete(std::string_view key) { changes_.Delete(Key(key)); }

std::optional<std::string> ReadModelWriter::Get(std::string_view key) const {
  std::string full = Key(key);
  if (const auto* pending = changes_.Find(full)) return *pending;
  std::string value;
  if (!db_->Get(rocksdb::ReadOptions(), full, &value).ok()) return std::nullopt;
  return value;
}

std::string ReadModelWriter::Key(std::string_view key) const {
  std::string full = prefix_;
  full.append(key);
  return full;
}

std::optional<std::string> ReadModelReader::Get(std::string_view key) const {
  std::string full = prefix_;
  full.append(key);
  std::string value;
  auto s = store_.db()->Get(rocksdb::ReadOptions(), full, &value);
  if (!s.ok()) return std::nullopt;
  return value;
}

void ReadModelReader::Scan(
    std::string_view prefix, std::string_view start, bool reverse,
    const std::function<bool(std::string_view, std::string_view)>& visit) const {
  std::string full_prefix = prefix_;
  full_prefix.append(prefix);
  std::string from = prefix_;
  from.append(start);
  std::unique_ptr<rocksdb::Iterator> it(store_.db()->NewIterator(rocksdb::ReadOptions()));
  if (reverse) {
    it->SeekForPrev(from);
  } else {
    it->Seek(from);
  }
  for (; it->Valid(); reverse ? it->Prev() : it->Next()) {
    std::string_view key(it->key().data(), it->key().size());
    if (!key.starts_with(full_prefix)) break;
    key.remove_prefix(prefix_.size());
    if (!visit(key, std::string_view(it->value().data(), it->value().size()))) break;
  }
}

ReadModelStore::ReadModelStore(std::unique_ptr<rocksdb::DB> db, std::string secondary_dir)
    : db_(std::move(db)), secondary_dir_(std::move(secondary_dir)) {}

ReadModelStore::~ReadModelStore() {
  db_.reset();
  if (!secondary_dir_.empty()) {
    std::error_code ec;
    std::filesystem::remove_all(secondary_dir_, ec);
  }
}

Result<std::unique_ptr<ReadModelStore>> ReadModelStore::OpenReader(const std::string& dir) {
  if (!std::filesystem::exists(std::filesystem::path(dir) / "CURRENT")) {
    return Fail(StoreErrc::kInvalidArgument, "no read models in " + dir);
  }
  std::string secondary = (std::filesystem::temp_directory_path() / "eventmart-views-XXXXXX").string();
  if (mkdtemp(secondary.data()) == nullptr) return Fail(StoreErrc::kIoError, "mkdtemp");
  rocksdb::Options options;
  options.max_open_files = -1;
  options.info_log_level = rocksdb::InfoLogLevel::WARN_LEVEL;
  rocksdb::DB* db = nullptr;
  auto s = rocksdb::DB::OpenAsSecondary(options, dir, secondary, &db);
  if (!s.ok()) return Fail(StoreErrc::kIoError, "open " + dir + ": " + s.ToString());
  return std::unique_ptr<ReadModelStore>(new ReadModelStore(std::unique_ptr<rocksdb::DB>(db), secondary));
}

Result<std::unique_ptr<ReadModelStore>> ReadModelStore::Open(const std::string& dir) {
  std::error_code ec;
  std::filesystem::create_directories(dir, ec);
  rocksdb::Options options;
  options.create_if_missing = true;
  options.write_buffer_size = 64 << 20;
  options.max_background_jobs = 2;
  options.info_log_level = rocksdb::InfoLogLevel::WARN_LEVEL;
  options.keep_log_file_num = 5;
  rocksdb::BlockBasedTableOptions table;
  table.block_cache = rocksdb::NewLRUCache(128 << 20);
  options.table_factory.reset(rocksdb::NewBlockBasedTableFactory(table));
  rocksdb::DB* db = nullptr;
  auto s = rocksdb::DB::Open(options, dir, &db);
  if (!s.ok()) {
    bool busy = s.ToString().find("lock") != std::string::npos;
    return Fail(busy ? StoreErrc::kBusy : StoreErrc::kIoError, "open " + dir + ": " + s.ToString());
  }
  return std::unique_ptr<ReadModelStore>(new ReadModelStore(std::unique_ptr<rocksdb::DB>(db)));
}

std::optional<std::string> ReadModelStore::Get(std::string_view key) const {
  std::string value;
  if (!db_->Get(rocksdb::ReadOptions(), rocksdb::Slice(key.data(), key.size()), &value).ok()) return std::nullopt;
  return value;
}

Result<void> ReadModelStore::Write(rocksdb::WriteBatch& batch) {
  // No WAL: every batch carries its checkpoint in the same (single) column
  // family, so whatever a crash leaves -- the last flushed memtable -- is a
  // consistent prefix, and the projector resumes from its checkpoint.
  rocksdb::WriteOptions wo;
  wo.disableWAL = true;
  auto s = db_->Write(wo, &batch);
  if (!s.ok()) return Fail(StoreErrc::kIoError, "read model write: " + s.ToString());
  return {};
}

Result<void> ReadModelStore::Write(const PendingChanges& changes) {
  rocksdb::WriteBatch batch;
  changes.AppendTo(batch);
  return Write(batch);
}

std::string ReadModelStore::SlotOf(std::string_view projection) const {
  {
    std::lock_guard lock(slots_mu_);
    if (auto it = slots_.find(projection); it != slots_.end()) return it->second;
  }
  auto stored = Get(SlotKey(projection));
  std::string slot = stored ? *stored : std::string(projection) + "/";
  std::lock_guard lock(slots_mu_);
  slots_.emplace(std::string(projection), slot);
  return slot;
}

void ReadModelStore::SetSlot(std::string_view projection, std::string prefix) {
  std::lock_guard lock(slots_mu_);
  slots_.insert_or_assign(std::string(projection), std::move(prefix));
}

Result<void> ReadModelStore::DropProjection(std::string_view name) {
  // Every copy of it: "name/" and shadows "name#N/" ('#' < '/' < '0').
  std::string begin = std::string(name) + "#", end = std::string(name) + "0";
  auto s = db_->DeleteRange(rocksdb::WriteOptions(), db_->DefaultColumnFamily(), begin, end);
  if (s.ok()) s = db_->Delete(rocksdb::WriteOptions(), "~checkpoint/" + std::string(name));
  if (s.ok()) s = db_->Delete(rocksdb::WriteOptions(), SlotKey(name));
  if (!s.ok()) return Fail(StoreErrc::kIoError, "drop " + std::string(name) + ": " + s.ToString());
  std::lock_guard lock(slots_mu_);
  slots_.erase(std::string(name));
  return {};
}

Result<void> ReadModelStore::CopyTo(const std::string& dir) const {
  if (secondary_dir_.empty()) {
    rocksdb::Checkpoint* checkpoint = nullptr;
    auto s = rocksdb::Checkpoint::Create(db_.get(), &checkpoint);
    std::unique_ptr<rocksdb::Checkpoint> owned(checkpoint);
    // Writes skip the WAL: flush first, or the checkpoint misses the memtable.
    if (s.ok()) s = db_->Flush(rocksdb::FlushOptions());
    if (s.ok()) s = checkpoint->CreateCheckpoint(dir);
    if (!s.ok()) return Fail(StoreErrc::kIoError, "checkpoint to " + dir + ": " + s.ToString());
    return {};
  }
  auto copy = Open(dir);
  if (!copy) return Fail(copy.error());
  std::unique_ptr<rocksdb::Iterator> it(db_->NewIterator(rocksdb::ReadOptions()));
  rocksdb::WriteBatch batch;
  for (it->SeekToFirst(); it->Valid(); it->Next()) {
    batch.Put(it->key(), it->value());
    if (batch.Count() >= 10'000) {
      if (auto written = (*copy)->Write(batch); !written) return written;
      batch.Clear();
    }
  }
  if (auto written = (*copy)->Write(batch); !written) return written;
  return (*copy)->Flush();
}

Result<void> ReadModelStore::Flush() {
  auto s = db_->Flush(rocksdb::FlushOptions());
  if (!s.ok()) return Fail(StoreErrc::kIoError, "flush read models: " + s.ToString());
  return {};
}

Result<void> ReadModelStore::DropPrefix(std::string_view prefix) {
  std::string begin(prefix);
  std::string end(prefix);
  end.back() = static_cast<char>(end.back() + 1);  // prefixes end in '/', so this is '0'
  auto s = db_->DeleteRange(rocksdb::WriteOptions(), db_->DefaultColumnFamily(), begin, end);
  if (!s.ok()) return Fail(StoreErrc::kIoError, "drop " + begin + ": " + s.ToString());
  return {};
}

}  // namespace eventmart
