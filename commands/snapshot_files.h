// commands/snapshot_files.h
// Write-model snapshots on disk: one file per snapshot, named by the log
// position it covers, in the data folder's snapshots/ (beside events/ and
// views/). A file is written whole or not at all (temporary file, fsync,
// rename, fsync of the folder), and reading checks everything: a file that
// is truncated, fails its checksum or was written in another format is
// reported, so the caller can fall back to an older one or to the log.
//
//   file := magic "EMSNAP01" | format u32 | position u64 | written_at_ms i64
//           | payload_length u64 | crc32 u32 | payload
//   (little-endian; the CRC-32 covers everything before it and the payload)
#pragma once

#include <cstdint>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "domain/ids.h"
#include "domain/result.h"
#include "eventstore/event_store.h"

namespace eventmart {

enum class SnapshotErrc {
  kDamaged = 1,  // truncated, misnamed, or its checksum fails
  kOtherFormat,  // written by a build with another snapshot format
  kIoError,      // the file or its folder could not be read or written
};

const std::error_category& SnapshotCategory();
inline std::error_code make_error_code(SnapshotErrc e) { return {static_cast<int>(e), SnapshotCategory()}; }

struct SnapshotInfo {
  std::string path;
  GlobalPosition position = 0;
  std::uint64_t bytes = 0;  // the whole file
};

struct SnapshotContents {
  std::uint32_t format = 0;
  GlobalPosition position = 0;
  TimeMs written_at_ms = 0;
  std::string_view payload;           // in `mapping`
  std::shared_ptr<const char> mapping;  // the file, mapped read-only while this lives
};

// The payload formats a reader accepts.
struct SnapshotFormats {
  SnapshotFormats(std::uint32_t only) : oldest(only), newest(only) {}  // NOLINT: one format reads as a range
  SnapshotFormats(std::uint32_t oldest_format, std::uint32_t newest_format)
      : oldest(oldest_format), newest(newest_format) {}
  bool Has(std::uint32_t format) const { return format >= oldest && format <= newest; }

  std::uint32_t oldest;
  std::uint32_t newest;
};

class SnapshotFiles {
 public:
  static constexpr std::size_t kKeep = 2;

  explicit SnapshotFiles(std::string dir) : dir_(std::move(dir)) {}

  const std::string& dir() const { return dir_; }

  // Writes a snapshot atomically, then deletes all but the newest kKeep.
  [[nodiscard]] Result<SnapshotInfo> Write(GlobalPosition position, std::uint32_t format, TimeMs written_at_ms,
                                           std::string_view payload) const;

  // Every snapshot file, newest position first, unchecked (an empty list
  // when the folder does not exist).
  [[nodiscard]] Result<std::vector<SnapshotInfo>> List() const;

  // The checked contents of one file: kDamaged when it is truncated,
  // misnamed or fails its checksum, kOtherFormat when it was written in
  // a format not in `formats`, kIoError when unreadable.
  [[nodiscard]] Result<SnapshotContents> Read(const SnapshotInfo& info, SnapshotFormats formats) const;

 private:
  std::string dir_;
};

}  // namespace eventmart

template <>
struct std::is_error_code_enum<eventmart::SnapshotErrc> : std::true_type {};
