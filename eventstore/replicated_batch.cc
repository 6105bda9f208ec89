#include "eventstore/replicated_batch.h"

#include <zstd.h>

#include <memory>

#include "eventstore/coding.h"
#include "eventstore/store_errors.h"

namespace eventmart {
namespace {

// Level 1: ~6x on envelopes at a few hundred MB/s; higher levels cost more
// CPU on the leader than they save in etcd.
constexpr int kZstdLevel = 1;
// No batch is larger (the etcd client's response limit); a packed value
// naming more is damaged, and is refused before anything is allocated.
constexpr std::uint64_t kMaxBatchBytes = 256u << 20;

struct CCtxFree {
  void operator()(ZSTD_CCtx* c) const { ZSTD_freeCCtx(c); }
};
struct DCtxFree {
  void operator()(ZSTD_DCtx* d) const { ZSTD_freeDCtx(d); }
};

// One context per thread (the committer packs, the node thread unpacks):
// creating one per batch would allocate and clear its tables every time.
ZSTD_CCtx* ThreadCCtx() {
  thread_local std::unique_ptr<ZSTD_CCtx, CCtxFree> cctx(ZSTD_createCCtx());
  return cctx.get();
}
ZSTD_DCtx* ThreadDCtx() {
  thread_local std::unique_ptr<ZSTD_DCtx, DCtxFree> dctx(ZSTD_createDCtx());
  return dctx.get();
}

}  // namespace

void ReplicatedBatchWriter::Start(GlobalPosition first_position) {
  first_ = first_position;
  envelopes_.clear();
  commands_.clear();
}

std::string ReplicatedBatchWriter::Finish() const {
  std::string out;
  coding::PutVarint(&out, first_);
  coding::PutVarint(&out, envelopes_.size());
  for (const auto& e : envelopes_) coding::PutBytes(&out, e);
  coding::PutVarint(&out, commands_.size());
  for (const auto& [id, record] : commands_) {
    coding::PutBytes(&out, id);
    coding::PutBytes(&out, record);
  }
  return out;
}

Result<ReplicatedBatchView> DecodeReplicatedBatch(std::string_view bytes) {
  coding::Reader in(bytes);
  ReplicatedBatchView view;
  std::uint64_t n = 0;
  if (!in.Varint(&view.first_position) || !in.Varint(&n) || n > bytes.size()) {
    return Fail(StoreErrc::kCorruption, "replicated batch header");
  }
  view.envelopes.resize(n);
  for (auto& e : view.envelopes) {
    if (!in.Bytes(&e)) return Fail(StoreErrc::kCorruption, "replicated batch envelope");
  }
  std::uint64_t m = 0;
  if (!in.Varint(&m) || m > bytes.size()) return Fail(StoreErrc::kCorruption, "replicated batch commands");
  view.commands.resize(m);
  for (auto& c : view.commands) {
    if (!in.Bytes(&c.id) || !in.Bytes(&c.record)) return Fail(StoreErrc::kCorruption, "replicated batch command");
  }
  if (!in.empty()) return Fail(StoreErrc::kCorruption, "replicated batch: trailing bytes");
  return view;
}

std::string PackReplicatedBatch(std::string batch, BatchPacking packing) {
  if (packing == BatchPacking::kNone || batch.empty()) return batch;
  std::string out;
  out.push_back('\0');
  out.push_back(static_cast<char>(BatchPacking::kZstd));
  coding::PutVarint(&out, batch.size());
  std::size_t header = out.size();
  out.resize(header + ZSTD_compressBound(batch.size()));
  ZSTD_CCtx* cctx = ThreadCCtx();
  std::size_t n = cctx == nullptr ? 0
                                  : ZSTD_compressCCtx(cctx, out.data() + header, out.size() - header, batch.data(),
                                                      batch.size(), kZstdLevel);
  // The batch as is is a valid packed value too: zstd fails here only when
  // it cannot allocate, and a batch that does not shrink (a few bytes of
  // commands) is cheaper to store as it is.
  if (cctx == nullptr || ZSTD_isError(n) || header + n >= batch.size()) return batch;
  out.resize(header + n);
  return out;
}

Result<std::string> UnpackReplicatedBatch(std::string packed) {
  if (packed.empty() || packed.front() != '\0') return packed;  // never packed
  coding::Reader in(packed);
  std::uint8_t marker = 0;
  std::uint8_t format = 0;
  std::uint64_t size = 0;
  if (!in.Raw(&marker, 1) || !in.Raw(&format, 1)) return Fail(StoreErrc::kCorruption, "packed batch: header");
  if (format != static_cast<std::uint8_t>(BatchPacking::kZstd)) {
    return Fail(StoreErrc::kCorruption,
                "packed batch: unknown format " + std::to_string(format) + " (written by a newer version?)");
  }
  if (!in.Varint(&size) || size == 0 || size > kMaxBatchBytes) {
    return Fail(StoreErrc::kCorruption, "packed batch: size");
  }
  std::string_view frame = in.rest();
  // The frame's own header names its size too: a damaged value is refused
  // before a buffer of the size it names is allocated.
  if (ZSTD_getFrameContentSize(frame.data(), frame.size()) != size) {
    return Fail(StoreErrc::kCorruption, "packed batch: the frame does not hold " + std::to_string(size) + " bytes");
  }
  std::string batch(size, '\0');
  ZSTD_DCtx* dctx = ThreadDCtx();
  if (dctx == nullptr) return Fail(StoreErrc::kIoError, "packed batch: no memory for a zstd context");
  std::size_t n = ZSTD_decompressDCtx(dctx, batch.data(), batch.size(), frame.data(), frame.size());
  if (ZSTD_isError(n)) return Fail(StoreErrc::kCorruption, std::string("packed batch: zstd: ") + ZSTD_getErrorName(n));
  if (n != size) {
    return Fail(StoreErrc::kCorruption,
                "packed batch: holds " + std::to_string(n) + " bytes, names " + std::to_string(size));
  }
  return batch;
}

}  // namespace eventmart
