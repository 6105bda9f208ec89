// projections/read_model_store.h
// The read-model database (DIR/views), a RocksDB instance of its own so that
// projection writes never queue behind the event log's fsyncs. Each
// projection's keys live under "<name>/". Writes are not synced: a read
// model is rebuildable from the log, and its checkpoint is written in the
// same batch as its changes, so after a crash it resumes exactly where its
// last surviving batch ended.
//
// Thread safety: readers and the projector may use it concurrently.
#pragma once

#include <functional>
#include <map>
#include <mutex>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <unordered_map>
#include <vector>

#include "domain/result.h"

namespace rocksdb {
class DB;
class WriteBatch;
}  // namespace rocksdb

namespace eventmart {

class ReadModelStore;

// Changes not yet written, by key: the last change of each key wins, and
// they are written in key order -- RocksDB's memtable inserts keys that
// arrive in order far faster than keys that arrive at random. Hashed while
// they gather (a bulk rebuild holds millions), sorted once when written.
// Keys, values and the table's nodes live in one arena, freed at once: an
// overwritten value's bytes stay until then.
class PendingChanges {
 public:
  using Change = std::optional<std::string_view>;  // nullopt: deleted

  PendingChanges();
  ~PendingChanges();
  PendingChanges(PendingChanges&&) noexcept;
  PendingChanges& operator=(PendingChanges&&) noexcept;

  void Put(std::string_view key, std::string_view value);
  void Delete(std::string_view key);
  // The pending change of `key`, if there is one. Views stay valid until
  // this object is destroyed.
  std::optional<Change> Find(std::string_view key) const;
  void AppendTo(rocksdb::WriteBatch& batch) const;
  // Visits every change in key order. Keys that share their first
  // `common_prefix` bytes (a projection's slot) sort faster when told so.
  void ForEachSorted(const std::function<void(std::string_view key, Change change)>& visit,
                     std::size_t common_prefix = 0) const;
  std::size_t size() const;
  void Reserve(std::size_t keys);

 private:
  struct Table;
  std::unique_ptr<Table> table_;
};

// Puts and deletes for one projection. Get reads through the pending
// changes, so a projection sees what it has not written yet; with no `db`
// (a rebuild from nothing, all in memory) it reads only them.
class ReadModelWriter {
 public:
  ReadModelWriter(PendingChanges& changes, rocksdb::DB* db, std::string prefix)
      : changes_(changes), db_(db), prefix_(std::move(prefix)) {}
  void Put(std::string_view key, std::string_view value);
  void Delete(std::string_view key);
  std::optional<std::string> Get(std::string_view key) const;

 private:
  // prefix + key, in a buffer reused from call to call.
  std::string_view Key(std::string_view key) const;
  PendingChanges& changes_;
  rocksdb::DB* db_;
  std::string prefix_;
  mutable std::string key_;
};

// Reads of one projection's keys.
class ReadModelReader {
 public:
  ReadModelReader(const ReadModelStore& store, std::string prefix)
      : store_(store), prefix_(std::move(prefix)) {}

  std::optional<std::string> Get(std::string_view key) const;

  // Visits keys starting with `prefix`, from `start` (inclusive) upward, or
  // from `start` (inclusive) downward when `reverse`. Keys are passed
  // without the projection's own prefix. Return false to stop.
  void Scan(std::string_view prefix, std::string_view start, bool reverse,
            const std::function<bool(std::string_view key, std::string_view value)>& visit) const;

 private:
  const ReadModelStore& store_;
  std::string prefix_;
};

class ReadModelStore {
 public:
  [[nodiscard]] static Result<std::unique_ptr<ReadModelStore>> Open(const std::string& dir);
  // Read-only view of read models another process may be writing (what it
  // has flushed: a consistent state, checkpoints included).
  [[nodiscard]] static Result<std::unique_ptr<ReadModelStore>> OpenReader(const std::string& dir);
  ~ReadModelStore();

  // A key outside every projection's prefix (checkpoints).
  std::optional<std::string> Get(std::string_view key) const;

  [[nodiscard]] Result<void> Write(rocksdb::WriteBatch& batch);
  [[nodiscard]] Result<void> Write(const PendingChanges& changes);
  // Removes every key under `prefix` (a projection being rebuilt).
  [[nodiscard]] Result<void> DropPrefix(std::string_view prefix);
  // Removes a projection's keys and its checkpoint, so it starts over.
  [[nodiscard]] Result<void> DropProjection(std::string_view name);
  // A consistent copy in `dir` (checkpoint, or a copy from a reader).
  [[nodiscard]] Result<void> CopyTo(const std::string& dir) const;
  // Adds sorted table files (rocksdb::SstFileWriter) to the store in one
  // atomic step, and removes them from where they were written. Files must
  // not overlap each other.
  [[nodiscard]] Result<void> Ingest(const std::vector<std::string>& files);
  // Where table files for Ingest() may be written (inside the store's folder).
  std::string dir() const;
  // Writes the memtable out (writes skip the WAL, so this makes them durable).
  [[nodiscard]] Result<void> Flush();

  // Reads of a projection's live copy. A rebuild builds a shadow copy under
  // another prefix and then switches this projection's slot to it.
  ReadModelReader Reader(std::string_view projection) const {
    return ReadModelReader(*this, SlotOf(projection));
  }
  std::string SlotOf(std::string_view projection) const;
  // Records (durably, with the batch that completes the copy) and publishes a new slot.
  void SetSlot(std::string_view projection, std::string prefix);
  static std::string SlotKey(std::string_view projection) { return "~slot/" + std::string(projection); }
  rocksdb::DB* db() const { return db_.get(); }

 private:
  explicit ReadModelStore(std::unique_ptr<rocksdb::DB> db, std::string secondary_dir = {});
  std::unique_ptr<rocksdb::DB> db_;
  std::string secondary_dir_;
  mutable std::mutex slots_mu_;
  mutable std::map<std::string, std::string, std::less<>> slots_;  // a cache of the stored slots
};

}  // namespace eventmart
