// commands/write_model_codec.h
// The write model (domain/aggregates.h) as bytes and back: the payload of a
// snapshot. Each state is written field by field through its Fields() list
// (eventstore/fields_codec.h), so a state that gains a field must list it
// or fail to compile here. Deadlines and pending waiting-room requests are
// not written: they follow from the unpaid orders and undecided requests.
//
//   format 3 := last ids | each table | bound subjects        (one sequence)
//   format 4 := last ids | the byte length of each section | the sections,
//               one per table and one for the bound subjects, each its own
//               archive: sections decode on two threads at once (a start
//               waits for them; a 200k-user model took ~50 ms on one
//               thread when it was written, in hash maps).
#pragma once

#include <cstdint>
#include <string>
#include <string_view>

#include "domain/aggregates.h"
#include "domain/result.h"

namespace eventmart {

// Bumped whenever the bytes below change shape; a snapshot written with a
// format this build does not read is skipped (and the log folded instead),
// never misread.
inline constexpr std::uint32_t kWriteModelFormat = 4;  // 2: waiting-room requests; 3: bound subjects; 4: sections
inline constexpr std::uint32_t kOldestWriteModelFormat = 3;  // still read: the same fields, in one sequence

class WriteModelCodec {
 public:
  // Orders pending eviction must have been evicted (EvictFinished).
  // `format`: kOldestWriteModelFormat..kWriteModelFormat.
  static std::string Encode(const Aggregates& model, std::uint32_t format = kWriteModelFormat);
  // StoreErrc::kCorruption for bytes that do not decode to a whole model,
  // kInvalidArgument for a format this build does not read.
  static Result<Aggregates> Decode(std::string_view bytes, std::uint32_t format = kWriteModelFormat);
};

}  // namespace eventmart
