#include "eventstore/rocks_wal.h"

#include <rocksdb/db.h>
#include <rocksdb/transaction_log.h>

#include "eventstore/store_errors.h"

namespace eventmart {

Result<void> FlushIfMuchWal(rocksdb::DB& db, const std::vector<rocksdb::ColumnFamilyHandle*>& families) {
  rocksdb::VectorLogPtr files;
  auto s = db.GetSortedWalFiles(files);
  if (!s.ok()) return Fail(StoreErrc::kIoError, "list WAL files: " + s.ToString());
  std::size_t live = 0;
  std::uint64_t bytes = 0;
  for (const auto& file : files) {
    if (file->Type() != rocksdb::kAliveLogFile) continue;
    ++live;
    bytes += file->SizeFileBytes();
  }
  if (live <= kMaxKeptWalFiles && bytes <= kMaxKeptWalBytes) return {};
  rocksdb::FlushOptions options;
  options.wait = false;
  options.allow_write_stall = true;  // never hold writes back for it
  s = db.Flush(options, families);
  if (!s.ok()) {
    return Fail(StoreErrc::kIoError, "flush to let " + std::to_string(live) + " WAL files (" + std::to_string(bytes) +
                                         " bytes) go: " + s.ToString());
  }
  return {};
}

}  // namespace eventmart
