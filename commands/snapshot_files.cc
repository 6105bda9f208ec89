#include "commands/snapshot_files.h"

#include <fcntl.h>
#include <sys/mman.h>
#include <unistd.h>

#include <algorithm>
#include <sys/stat.h>
#include <zlib.h>
#include <cerrno>
#include <cinttypes>
#include <cstring>
#include <filesystem>

#include "domain/error_category.h"

namespace eventmart {
namespace {

namespace fs = std::filesystem;

constexpr std::string_view kMagic = "EMSNAP01";
constexpr std::size_t kHeaderSize = 8 + 4 + 8 + 8 + 8 + 4;
constexpr std::string_view kPrefix = "snapshot-";
constexpr std::string_view kSuffix = ".emws";

template <class T>
void PutFixed(std::string* out, T v) {
  for (std::size_t i = 0; i < sizeof(T); ++i) out->push_back(static_cast<char>((static_cast<std::uint64_t>(v) >> (8 * i)) & 0xFF));
}

template <class T>
T GetFixed(std::string_view in, std::size_t at) {
  std::uint64_t v = 0;
  for (std::size_t i = 0; i < sizeof(T); ++i) v |= std::uint64_t{static_cast<std::uint8_t>(in[at + i])} << (8 * i);
  return static_cast<T>(v);
}

// CRC-32 (the IEEE polynomial, as Boost's crc_32_type that wrote the first
// snapshots): zlib's is several times faster, which a start reading an
// 11 MB snapshot notices.
std::uint32_t Crc(std::string_view head, std::string_view payload) {
  uLong crc = crc32_z(0L, Z_NULL, 0);
  crc = crc32_z(crc, reinterpret_cast<const Bytef*>(head.data()), head.size());
  crc = crc32_z(crc, reinterpret_cast<const Bytef*>(payload.data()), payload.size());
  return static_cast<std::uint32_t>(crc);
}

std::string FileName(GlobalPosition position) {
  char name[64];
  std::snprintf(name, sizeof(name), "snapshot-%020" PRIu64 ".emws", position);
  return name;
}

Error IoError(const std::string& what, const std::string& path, int err = errno) {
  return Error{SnapshotErrc::kIoError, what + " " + path + ": " + std::strerror(err)};
}

Result<void> WriteAll(int fd, std::string_view bytes, const std::string& path) {
  while (!bytes.empty()) {
    ssize_t n = ::write(fd, bytes.data(), bytes.size());
    if (n < 0 && errno == EINTR) continue;
    if (n < 0) return Fail(IoError("cannot write", path));
    bytes.remove_prefix(static_cast<std::size_t>(n));
  }
  return {};
}

Result<void> SyncFolder(const std::string& dir) {
  int fd = ::open(dir.c_str(), O_RDONLY | O_DIRECTORY);
  if (fd < 0) return Fail(IoError("cannot open", dir));
  int rc = ::fsync(fd);
  int err = errno;
  ::close(fd);
  if (rc != 0) return Fail(IoError("cannot fsync", dir, err));
  return {};
}

// Closes a file descriptor when it goes out of scope.
struct FdCloser {
  int fd;
  ~FdCloser() { ::close(fd); }
};

// The position in a snapshot's file name, or nullopt for any other file.
std::optional<GlobalPosition> PositionInName(std::string_view name) {
  if (!name.starts_with(kPrefix) || !name.ends_with(kSuffix)) return std::nullopt;
  name.remove_prefix(kPrefix.size());
  name.remove_suffix(kSuffix.size());
  if (name.size() != 20 || !std::all_of(name.begin(), name.end(), [](char c) { return c >= '0' && c <= '9'; })) {
    return std::nullopt;
  }
  return std::stoull(std::string(name));
}

}  // namespace

const std::error_category& SnapshotCategory() {
  static const CodeCategory<SnapshotErrc> category("eventmart.snapshot", {
      {SnapshotErrc::kDamaged, "damaged write-model snapshot"},
      {SnapshotErrc::kOtherFormat, "write-model snapshot of another format"},
      {SnapshotErrc::kIoError, "write-model snapshot I/O error"}});
  return category;
}

Result<SnapshotInfo> SnapshotFiles::Write(GlobalPosition position, std::uint32_t format, TimeMs written_at_ms,
                                          std::string_view payload) const {
  std::error_code ec;
  fs::create_directories(dir_, ec);
  if (ec) return Fail(SnapshotErrc::kIoError, "cannot create " + dir_ + ": " + ec.message());
  std::string head(kMagic);
  PutFixed<std::uint32_t>(&head, format);
  PutFixed<std::uint64_t>(&head, position);
  PutFixed<std::int64_t>(&head, written_at_ms);
  PutFixed<std::uint64_t>(&head, payload.size());
  PutFixed<std::uint32_t>(&head, Crc(head, payload));

  std::string path = dir_ + "/" + FileName(position);
  std::string temporary = path + ".tmp";
  int fd = ::open(temporary.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
  if (fd < 0) return Fail(IoError("cannot create", temporary));
  auto written = WriteAll(fd, head, temporary);
  if (written) written = WriteAll(fd, payload, temporary);
  if (written && ::fsync(fd) != 0) written = Fail(IoError("cannot fsync", temporary));
  ::close(fd);
  if (!written) {
    fs::remove(temporary, ec);
    return Fail(written.error());
  }
  if (::rename(temporary.c_str(), path.c_str()) != 0) return Fail(IoError("cannot rename", temporary));
  if (auto synced = SyncFolder(dir_); !synced) return Fail(synced.error());

  // Older snapshots beyond the newest kKeep, and temporary files a crash left.
  auto listed = List();
  if (!listed) return Fail(listed.error());
  for (std::size_t i = kKeep; i < listed->size(); ++i) fs::remove((*listed)[i].path, ec);
  for (const auto& entry : fs::directory_iterator(dir_, ec)) {
    if (entry.path().extension() == ".tmp" && entry.path() != temporary) fs::remove(entry.path(), ec);
  }
  return SnapshotInfo{.path = path, .position = position, .bytes = head.size() + payload.size()};
}

Result<std::vector<SnapshotInfo>> SnapshotFiles::List() const {
  std::vector<SnapshotInfo> found;
  std::error_code ec;
  if (!fs::exists(dir_, ec)) return found;
  for (const auto& entry : fs::directory_iterator(dir_, ec)) {
    auto position = PositionInName(entry.path().filename().string());
    if (!position) continue;
    std::error_code size_ec;
    auto bytes = entry.file_size(size_ec);
    found.push_back({.path = entry.path().string(), .position = *position, .bytes = size_ec ? 0 : bytes});
  }
  if (ec) return Fail(SnapshotErrc::kIoError, "cannot list " + dir_ + ": " + ec.message());
  std::sort(found.begin(), found.end(), [](const auto& a, const auto& b) { return a.position > b.position; });
  return found;
}

// The file is mapped, not read: its pages come straight from the page
// cache, with no copy into fresh memory. A start reading an 11 MB snapshot
// spent more on that copy and its page faults than on decoding. Snapshot
// files are written whole and renamed into place, never changed after, so
// the mapping cannot shrink under the reader (unlinking one keeps it).
Result<SnapshotContents> SnapshotFiles::Read(const SnapshotInfo& info, SnapshotFormats formats) const {
  int fd = ::open(info.path.c_str(), O_RDONLY | O_CLOEXEC);
  if (fd < 0) return Fail(IoError("cannot open", info.path));
  FdCloser closer{fd};
  struct stat st {};
  if (::fstat(fd, &st) != 0) return Fail(IoError("cannot stat", info.path));
  auto size = static_cast<std::size_t>(st.st_size);
  if (size < kHeaderSize) return Fail(SnapshotErrc::kDamaged, info.path + ": not a snapshot (no header)");
  // MAP_POPULATE maps every page at once instead of one fault at a time.
  void* at = ::mmap(nullptr, size, PROT_READ, MAP_PRIVATE | MAP_POPULATE, fd, 0);
  if (at == MAP_FAILED) return Fail(IoError("cannot map", info.path));
  std::shared_ptr<const char> mapping(static_cast<const char*>(at),
                                      [size](const char* p) { ::munmap(const_cast<char*>(p), size); });
  std::string_view all(mapping.get(), size);
  if (all.substr(0, kMagic.size()) != kMagic) {
    return Fail(SnapshotErrc::kDamaged, info.path + ": not a snapshot (no header)");
  }
  auto file_format = GetFixed<std::uint32_t>(all, 8);
  auto length = GetFixed<std::uint64_t>(all, 28);
  auto crc = GetFixed<std::uint32_t>(all, 36);
  if (length != size - kHeaderSize) {
    return Fail(SnapshotErrc::kDamaged, info.path + ": truncated (" + std::to_string(size - kHeaderSize) + " of " +
                                            std::to_string(length) + " payload bytes)");
  }
  SnapshotContents contents{.format = file_format, .position = GetFixed<std::uint64_t>(all, 12),
                            .written_at_ms = GetFixed<std::int64_t>(all, 20),
                            .payload = all.substr(kHeaderSize), .mapping = std::move(mapping)};
  if (Crc(all.substr(0, kHeaderSize - 4), contents.payload) != crc) {
    return Fail(SnapshotErrc::kDamaged, info.path + ": checksum mismatch");
  }
  if (contents.position != info.position) {
    return Fail(SnapshotErrc::kDamaged, info.path + ": holds position " + std::to_string(contents.position));
  }
  if (!formats.Has(file_format)) {
    return Fail(SnapshotErrc::kOtherFormat, info.path + ": format " + std::to_string(file_format) +
                                                    ", this build reads formats " + std::to_string(formats.oldest) +
                                                    " to " + std::to_string(formats.newest));
  }
  return contents;
}

}  // namespace eventmart
