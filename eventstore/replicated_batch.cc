#include "eventstore/replicated_batch.h"

#include "eventstore/coding.h"
#include "eventstore/store_errors.h"

namespace eventmart {

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

}  // namespace eventmart
