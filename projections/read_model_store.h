// projections/read_model_store.h
// The read-model database (DIR/views), a RocksDB instance of its own so that
// projection writes never queue behind the event log's fsyncs. Each
// projection's keys live under "<name>/". Writes are not synced: a read
// model is rebuildable from the log, and its checkpoint is written in the
// same batch as its changes, so after a crash it resumes exactly where its
// last surviving batch ended.
//
// Thread safety: readers and the projector may use it concurrently.
//
// Errors: every read returns a status. A key that is absent is a value
// (nullopt), never an error; a failed read is ReadModelErrc::kIoError with
// the key in the detail, so an I/O error never reads as "not found".
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
#include "eventstore/rocks_memory.h"
#include "projections/read_model_errors.h"

namespace rocksdb {
struct ReadOptions;
class DB;
class Env;
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
  // The value (pending or stored), nullopt if there is none, or kIoError.
  [[nodiscard]] Result<std::optional<std::string>> Get(std::string_view key) const;
  const std::string& prefix() const { return prefix_; }

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
  // A reader whose every read fails with `error` (its slot could not be read).
  ReadModelReader(const ReadModelStore& store, Error error)
      : store_(store), failed_(std::move(error)) {}

  // The stored value, nullopt if there is none, or kIoError.
  [[nodiscard]] Result<std::optional<std::string>> Get(std::string_view key) const;

  // What a Scan visitor answers: true to go on, false to stop, or an error
  // (a record it cannot decode) that stops the scan and is Scan's result.
  using Visitor = std::function<Result<bool>(std::string_view key, std::string_view value)>;

  // Visits keys starting with `prefix`, from `start` (inclusive) upward, or
  // from `start` (inclusive) downward when `reverse`. Keys are passed
  // without the projection's own prefix. Fails with the visitor's error, or
  // kIoError when the iterator stops on a failed read (its status).
  [[nodiscard]] Result<void> Scan(std::string_view prefix, std::string_view start, bool reverse,
                                  const Visitor& visit) const;
  // A forward Scan that leaves the block cache as it was: for reading a
  // large range once (a load at start), which would otherwise push out what
  // queries keep reading and grow the process by the cache's size.
  [[nodiscard]] Result<void> ScanOnce(std::string_view prefix, std::string_view start, const Visitor& visit) const;

  // The projection's prefix ("balances/"), for error details.
  const std::string& prefix() const { return prefix_; }

 private:
  Result<void> ScanWith(const rocksdb::ReadOptions& options, std::string_view prefix, std::string_view start,
                        bool reverse, const Visitor& visit) const;

  const ReadModelStore& store_;
  std::string prefix_;
  std::optional<Error> failed_;
};

// A key as text for logs and error details: printable ASCII as is, every
// other byte as \xNN (ids in keys are big-endian binary).
std::string PrintableKey(std::string_view key);

// ReadModelErrc::kCorruption naming the key (a projection's prefix plus
// its key) and what the record should have been.
std::unexpected<Error> CorruptRecord(std::string_view prefix, std::string_view key, std::string_view what);

class ReadModelStore {
 public:
  struct OpenOptions {
    // Compactions wait for StartCompactions(): a server's start opens this
    // store beside the event log, and a compaction due at open (every few
    // restarts, each of which flushes a small file) took a core from
    // loading the write model. Whoever sets this must call it.
    bool defer_compactions = false;
  };
  [[nodiscard]] static Result<std::unique_ptr<ReadModelStore>> Open(const std::string& dir,
                                                                    OpenOptions options);
  [[nodiscard]] static Result<std::unique_ptr<ReadModelStore>> Open(const std::string& dir) {
    return Open(dir, OpenOptions{});
  }
  // Read-only view of read models another process may be writing (what it
  // has flushed: a consistent state, checkpoints included).
  [[nodiscard]] static Result<std::unique_ptr<ReadModelStore>> OpenReader(const std::string& dir);
  // A store held in memory only (RocksDB's in-memory Env): for tests of
  // folds and queries that touch no disk. Ingest() and CopyTo() are not
  // for it (they use the real file system).
  [[nodiscard]] static Result<std::unique_ptr<ReadModelStore>> OpenInMemory();
  ~ReadModelStore();

  // A key outside every projection's prefix (checkpoints): the value,
  // nullopt if there is none, or kIoError.
  [[nodiscard]] Result<std::optional<std::string>> Get(std::string_view key) const;

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
  // Lets the compactions an Open with defer_compactions held back run.
  [[nodiscard]] Result<void> StartCompactions();
  // Table files at level 0 (each flush adds one; compactions merge them
  // down). RocksDB slows writes at 20 of them.
  std::uint64_t Level0Files() const;

  // Reads of a projection's live copy. A rebuild builds a shadow copy under
  // another prefix and then switches this projection's slot to it.
  // A reader that fails every read if the projection's slot cannot be read.
  // What the read-model database holds in memory (for /metrics).
  RocksMemory MemoryUsage() const;
  ReadModelReader Reader(std::string_view projection) const;
  // The projection's live prefix; the default ("name/") if its slot record
  // cannot be read (Reader() reports that failure instead).
  std::string SlotOf(std::string_view projection) const;
  // Records (durably, with the batch that completes the copy) and publishes a new slot.
  void SetSlot(std::string_view projection, std::string prefix);
  static std::string SlotKey(std::string_view projection) { return "~slot/" + std::string(projection); }
  rocksdb::DB* db() const { return db_.get(); }

 private:
  explicit ReadModelStore(std::unique_ptr<rocksdb::DB> db, std::string secondary_dir = {},
                          std::unique_ptr<rocksdb::Env> env = nullptr);
  [[nodiscard]] Result<std::string> LookUpSlot(std::string_view projection) const;
  std::unique_ptr<rocksdb::Env> env_;  // the in-memory Env; outlives db_
  std::unique_ptr<rocksdb::DB> db_;
  std::string secondary_dir_;
  mutable std::mutex slots_mu_;
  mutable std::map<std::string, std::string, std::less<>> slots_;  // a cache of the stored slots
};

}  // namespace eventmart
