#include "eventstore/rocks_wal.h"

#include <rocksdb/db.h>
#include <rocksdb/transaction_log.h>

#include <algorithm>

#include "eventstore/store_errors.h"

namespace eventmart {

Result<void> FlushIfManyWalFiles(rocksdb::DB& db, const std::vector<rocksdb::ColumnFamilyHandle*>& families) {
  rocksdb::VectorLogPtr files;
  auto s = db.GetSortedWalFiles(files);
  if (!s.ok()) return Fail(StoreErrc::kIoError, "list WAL files: " + s.ToString());
  auto live = std::count_if(files.begin(), files.end(),
                            [](const auto& file) { return file->Type() == rocksdb::kAliveLogFile; });
  if (static_cast<std::size_t>(live) <= kMaxKeptWalFiles) return {};
  rocksdb::FlushOptions options;
  options.wait = false;
  options.allow_write_stall = true;  // never hold writes back for it
  s = db.Flush(options, families);
  if (!s.ok()) return Fail(StoreErrc::kIoError, "flush to let " + std::to_string(live) + " WAL files go: " + s.ToString());
  return {};
}

}  // namespace eventmart
