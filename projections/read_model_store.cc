#include "projections/read_model_store.h"

#include "domain/error_category.h"

#include <rocksdb/db.h>
#include <rocksdb/env.h>
#include <rocksdb/options.h>
#include <rocksdb/table.h>
#include <rocksdb/utilities/checkpoint.h>
#include <rocksdb/write_batch.h>

#include <algorithm>
#include <cstdlib>
#include <cstring>
#include <filesystem>
#include <memory_resource>

#include "eventstore/rocks_wal.h"
#include "eventstore/store_errors.h"

namespace eventmart {
namespace {


// A point read: the value, nullopt when absent, kIoError otherwise.
Result<std::optional<std::string>> GetFrom(rocksdb::DB& db, std::string_view key) {
  std::string value;
  auto s = db.Get(rocksdb::ReadOptions(), rocksdb::Slice(key.data(), key.size()), &value);
  if (s.IsNotFound()) return std::optional<std::string>();
  if (!s.ok()) return Fail(ReadModelErrc::kIoError, "get " + PrintableKey(key) + ": " + s.ToString());
  return std::optional<std::string>(std::move(value));
}

}  // namespace

const std::error_category& ReadModelCategory() {
  static const CodeCategory<ReadModelErrc> category("eventmart.read_model", {
      {ReadModelErrc::kIoError, "read model I/O error"},
      {ReadModelErrc::kCorruption, "corrupt read-model record"}});
  return category;
}

std::string PrintableKey(std::string_view key) {
  static constexpr char kHex[] = "0123456789abcdef";
  std::string out;
  for (char c : key) {
    auto b = static_cast<unsigned char>(c);
    if (b >= 0x20 && b < 0x7f && b != '\\') {
      out.push_back(c);
    } else {
      out += "\\x";
      out.push_back(kHex[b >> 4]);
      out.push_back(kHex[b & 15]);
    }
  }
  return out;
}

std::unexpected<Error> CorruptRecord(std::string_view prefix, std::string_view key, std::string_view what) {
  std::string full(prefix);
  full.append(key);
  return Fail(ReadModelErrc::kCorruption, PrintableKey(full) + ": not a " + std::string(what));
}

struct PendingChanges::Table {
  std::pmr::monotonic_buffer_resource arena;
  std::pmr::unordered_map<std::string_view, Change> changes{&arena};

  std::string_view Copy(std::string_view bytes) {
    if (bytes.empty()) return {};
    auto* p = static_cast<char*>(arena.allocate(bytes.size(), 1));
    std::memcpy(p, bytes.data(), bytes.size());
    return {p, bytes.size()};
  }

  void Set(std::string_view key, Change change) {
    auto it = changes.find(key);
    if (it != changes.end()) {
      it->second = change;
    } else {
      changes.emplace(Copy(key), change);
    }
  }
};

PendingChanges::PendingChanges() : table_(std::make_unique<Table>()) {}
PendingChanges::~PendingChanges() = default;
PendingChanges::PendingChanges(PendingChanges&&) noexcept = default;
PendingChanges& PendingChanges::operator=(PendingChanges&&) noexcept = default;

void PendingChanges::Put(std::string_view key, std::string_view value) { table_->Set(key, table_->Copy(value)); }
void PendingChanges::Delete(std::string_view key) { table_->Set(key, std::nullopt); }
std::size_t PendingChanges::size() const { return table_->changes.size(); }
void PendingChanges::Reserve(std::size_t keys) { table_->changes.reserve(keys); }

std::optional<PendingChanges::Change> PendingChanges::Find(std::string_view key) const {
  auto it = table_->changes.find(key);
  if (it == table_->changes.end()) return std::nullopt;
  return it->second;
}

void PendingChanges::ForEachSorted(const std::function<void(std::string_view, Change)>& visit,
                                   std::size_t common_prefix) const {
  // Sorted by the 16 bytes after the common prefix first (held inline, so
  // most comparisons touch no key: a tag and an 8-byte id fit), then by the
  // whole key.
  struct Item {
    std::uint64_t head[2];
    const std::pair<const std::string_view, Change>* entry;
  };
  auto bytes_at = [](std::string_view key, std::size_t from) {
    std::uint64_t v = 0;
    for (std::size_t at = from; at < from + 8; ++at) v = v << 8 | (at < key.size() ? static_cast<unsigned char>(key[at]) : 0);
    return v;
  };
  std::vector<Item> sorted;
  sorted.reserve(table_->changes.size());
  for (const auto& entry : table_->changes) {
    sorted.push_back({{bytes_at(entry.first, common_prefix), bytes_at(entry.first, common_prefix + 8)}, &entry});
  }
  std::sort(sorted.begin(), sorted.end(), [](const Item& a, const Item& b) {
    if (a.head[0] != b.head[0]) return a.head[0] < b.head[0];
    if (a.head[1] != b.head[1]) return a.head[1] < b.head[1];
    return a.entry->first < b.entry->first;
  });
  for (const auto& item : sorted) visit(item.entry->first, item.entry->second);
}

void PendingChanges::AppendTo(rocksdb::WriteBatch& batch) const {
  ForEachSorted([&batch](std::string_view key, Change value) {
    rocksdb::Slice k(key.data(), key.size());
    if (value) {
      batch.Put(k, rocksdb::Slice(value->data(), value->size()));
    } else {
      batch.Delete(k);
    }
  });
}

void ReadModelWriter::Put(std::string_view key, std::string_view value) { changes_.Put(Key(key), value); }

void ReadModelWriter::Delete(std::string_view key) { changes_.Delete(Key(key)); }

Result<std::optional<std::string>> ReadModelWriter::Get(std::string_view key) const {
  std::string_view full = Key(key);
  if (auto pending = changes_.Find(full)) {
    if (!*pending) return std::optional<std::string>();
    return std::optional<std::string>(std::string(**pending));
  }
  if (db_ == nullptr) return std::optional<std::string>();
  return GetFrom(*db_, full);
}

std::string_view ReadModelWriter::Key(std::string_view key) const {
  key_.assign(prefix_);
  key_.append(key);
  return key_;
}

Result<std::optional<std::string>> ReadModelReader::Get(std::string_view key) const {
  if (failed_) return Fail(*failed_);
  std::string full = prefix_;
  full.append(key);
  return GetFrom(*store_.db(), full);
}

Result<void> ReadModelReader::Scan(std::string_view prefix, std::string_view start, bool reverse,
                                   const Visitor& visit) const {
  return ScanWith(rocksdb::ReadOptions(), prefix, start, reverse, visit);
}

Result<void> ReadModelReader::ScanOnce(std::string_view prefix, std::string_view start, const Visitor& visit) const {
  rocksdb::ReadOptions options;
  options.fill_cache = false;
  return ScanWith(options, prefix, start, /*reverse=*/false, visit);
}

Result<void> ReadModelReader::ScanWith(const rocksdb::ReadOptions& options, std::string_view prefix,
                                       std::string_view start, bool reverse, const Visitor& visit) const {
  if (failed_) return Fail(*failed_);
  std::string full_prefix = prefix_;
  full_prefix.append(prefix);
  std::string from = prefix_;
  from.append(start);
  std::unique_ptr<rocksdb::Iterator> it(store_.db()->NewIterator(options));
  if (reverse) {
    it->SeekForPrev(from);
  } else {
    it->Seek(from);
  }
  for (; it->Valid(); reverse ? it->Prev() : it->Next()) {
    std::string_view key(it->key().data(), it->key().size());
    if (!key.starts_with(full_prefix)) break;
    key.remove_prefix(prefix_.size());
    auto more = visit(key, std::string_view(it->value().data(), it->value().size()));
    if (!more) return Fail(more.error());
    if (!*more) return {};
  }
  // Valid() is also false when a read failed: only the status tells.
  if (!it->status().ok()) {
    return Fail(ReadModelErrc::kIoError, "scan " + PrintableKey(full_prefix) + " from " + PrintableKey(from) + ": " +
                                             it->status().ToString());
  }
  return {};
}

ReadModelStore::ReadModelStore(std::unique_ptr<rocksdb::DB> db, std::string secondary_dir,
                               std::unique_ptr<rocksdb::Env> env)
    : env_(std::move(env)), db_(std::move(db)), secondary_dir_(std::move(secondary_dir)) {}

RocksMemory ReadModelStore::MemoryUsage() const { return MemoryOf(*db_, db_->DefaultColumnFamily()); }

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

Result<std::unique_ptr<ReadModelStore>> ReadModelStore::Open(const std::string& dir, OpenOptions open) {
  std::error_code ec;
  std::filesystem::create_directories(dir, ec);
  rocksdb::Options options;
  options.create_if_missing = true;
  options.write_buffer_size = 64 << 20;
  options.max_background_jobs = 2;
  options.info_log_level = rocksdb::InfoLogLevel::WARN_LEVEL;
  options.keep_log_file_num = 5;
  // As for the event log (eventstore/rocks_options.cc): no flush at open,
  // table files opened when first read, no table properties read for stats.
  options.avoid_flush_during_recovery = true;
  options.max_open_files = 256;
  options.skip_stats_update_on_db_open = true;
  options.disable_auto_compactions = open.defer_compactions;
  rocksdb::BlockBasedTableOptions table;
  table.block_cache = rocksdb::NewLRUCache(128 << 20);
  options.table_factory.reset(rocksdb::NewBlockBasedTableFactory(table));
  rocksdb::DB* db = nullptr;
  auto s = rocksdb::DB::Open(options, dir, &db);
  if (!s.ok()) {
    bool busy = s.ToString().find("lock") != std::string::npos;
    return Fail(busy ? StoreErrc::kBusy : StoreErrc::kIoError, "open " + dir + ": " + s.ToString());
  }
  std::unique_ptr<rocksdb::DB> owned(db);
  if (auto flushed = FlushIfMuchWal(*owned, {owned->DefaultColumnFamily()}); !flushed) {
    return Fail(flushed.error());
  }
  return std::unique_ptr<ReadModelStore>(new ReadModelStore(std::move(owned)));
}

Result<void> ReadModelStore::StartCompactions() {
  auto s = db_->SetOptions({{"disable_auto_compactions", "false"}});
  if (!s.ok()) return Fail(StoreErrc::kIoError, "start read-model compactions: " + s.ToString());
  return {};
}

std::uint64_t ReadModelStore::Level0Files() const {
  std::string files;  // a string property: RocksDB has no integer form of it
  if (!db_->GetProperty("rocksdb.num-files-at-level0", &files)) return 0;
  return std::strtoull(files.c_str(), nullptr, 10);
}

Result<std::unique_ptr<ReadModelStore>> ReadModelStore::OpenInMemory() {
  std::unique_ptr<rocksdb::Env> env(rocksdb::NewMemEnv(rocksdb::Env::Default()));
  rocksdb::Options options;
  options.env = env.get();
  options.create_if_missing = true;
  options.info_log_level = rocksdb::InfoLogLevel::WARN_LEVEL;
  rocksdb::DB* db = nullptr;
  auto s = rocksdb::DB::Open(options, "/in-memory/views", &db);
  if (!s.ok()) return Fail(StoreErrc::kIoError, "open in-memory read models: " + s.ToString());
  return std::unique_ptr<ReadModelStore>(new ReadModelStore(std::unique_ptr<rocksdb::DB>(db), {}, std::move(env)));
}

Result<std::optional<std::string>> ReadModelStore::Get(std::string_view key) const { return GetFrom(*db_, key); }

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

Result<std::string> ReadModelStore::LookUpSlot(std::string_view projection) const {
  {
    std::lock_guard lock(slots_mu_);
    if (auto it = slots_.find(projection); it != slots_.end()) return it->second;
  }
  auto stored = Get(SlotKey(projection));
  if (!stored) return Fail(stored.error());
  std::string slot = *stored ? **stored : std::string(projection) + "/";
  std::lock_guard lock(slots_mu_);
  slots_.emplace(std::string(projection), slot);
  return slot;
}

std::string ReadModelStore::SlotOf(std::string_view projection) const {
  return LookUpSlot(projection).value_or(std::string(projection) + "/");
}

ReadModelReader ReadModelStore::Reader(std::string_view projection) const {
  auto slot = LookUpSlot(projection);
  if (!slot) return ReadModelReader(*this, std::move(slot.error()));
  return ReadModelReader(*this, std::move(*slot));
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
  if (!it->status().ok()) return Fail(ReadModelErrc::kIoError, "copy read models: " + it->status().ToString());
  if (auto written = (*copy)->Write(batch); !written) return written;
  return (*copy)->Flush();
}

std::string ReadModelStore::dir() const { return db_->GetName(); }

Result<void> ReadModelStore::Ingest(const std::vector<std::string>& files) {
  if (files.empty()) return {};
  rocksdb::IngestExternalFileOptions options;
  options.move_files = true;  // hard links: no copy
  auto s = db_->IngestExternalFile(files, options);
  for (const auto& file : files) std::filesystem::remove(file);
  if (!s.ok()) return Fail(StoreErrc::kIoError, "ingest read models: " + s.ToString());
  return {};
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
