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
#include <memory>
#include <optional>
#include <string>
#include <string_view>

#include "domain/result.h"

namespace rocksdb {
class DB;
class WriteBatch;
class WriteBatchWithIndex;
}  // namespace rocksdb

namespace eventmart {

class ReadModelStore;

// Puts and deletes for one projection, added to a shared batch. Get reads
// through the batch, so a projection sees its own changes not yet written.
class ReadModelWriter {
 public:
  ReadModelWriter(rocksdb::WriteBatchWithIndex& batch, rocksdb::DB* db, std::string prefix)
      : batch_(batch), db_(db), prefix_(std::move(prefix)) {}
  void Put(std::string_view key, std::string_view value);
  void Delete(std::string_view key);
  std::optional<std::string> Get(std::string_view key) const;

 private:
  std::string Key(std::string_view key) const;
  rocksdb::WriteBatchWithIndex& batch_;
  rocksdb::DB* db_;
  std::string prefix_;
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
  ~ReadModelStore();

  // A key outside every projection's prefix (checkpoints).
  std::optional<std::string> Get(std::string_view key) const;

  [[nodiscard]] Result<void> Write(rocksdb::WriteBatch& batch);
  [[nodiscard]] Result<void> Write(rocksdb::WriteBatchWithIndex& batch);
  // Removes every key under `prefix` (a projection being rebuilt).
  [[nodiscard]] Result<void> DropPrefix(std::string_view prefix);

  ReadModelReader Reader(std::string_view projection) const {
    return ReadModelReader(*this, std::string(projection) + "/");
  }
  rocksdb::DB* db() const { return db_.get(); }

 private:
  explicit ReadModelStore(std::unique_ptr<rocksdb::DB> db);
  std::unique_ptr<rocksdb::DB> db_;
};

}  // namespace eventmart
