// commands/write_model_codec.h
// The write model (domain/aggregates.h) as bytes and back: the payload of a
// snapshot. Each state is written field by field through its Fields() list
// (eventstore/fields_codec.h), so a state that gains a field must list it
// or fail to compile here. Deadlines and pending waiting-room requests are
// not written: they follow from the unpaid orders and undecided requests.
#pragma once

#include <string>
#include <string_view>

#include "domain/aggregates.h"
#include "domain/result.h"

namespace eventmart {

// Bumped whenever the bytes below change shape; a snapshot written with
// another format is skipped (and the log folded instead), never misread.
inline constexpr std::uint32_t kWriteModelFormat = 3;  // 2: waiting-room requests; 3: bound subjects

class WriteModelCodec {
 public:
  // Orders pending eviction must have been evicted (EvictFinished).
  static std::string Encode(const Aggregates& model);
  // StoreErrc::kCorruption for bytes that do not decode to a whole model.
  static Result<Aggregates> Decode(std::string_view bytes);
};

}  // namespace eventmart
