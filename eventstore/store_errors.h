// eventstore/store_errors.h
// Errors of the event log. kVersionConflict means "reload, re-decide, retry"
// (Abseil's kAborted); kCorruption and kIoError need an operator.
#pragma once

#include <system_error>

namespace eventmart {

enum class StoreErrc {
  kVersionConflict = 1,  // an expected version did not match; detail names the stream
  kCorruption,           // stored bytes could not be decoded
  kUnknownEventType,     // a type name this build does not know
  kUnsupportedVersion,   // a schema version newer than this build
  kIoError,              // RocksDB failed; the store refuses further appends
  kStoreFailed,          // an earlier write failed; reopen the store
  kClosed,               // the store is shutting down
  kInvalidArgument,      // e.g. an empty stream name
  kBusy,                 // the store is held by another process
  kNotLeader,            // a cluster node that is not (or no longer) the leader may not append
  kOutOfSequence,        // a replicated batch that does not follow the last one applied
};

const std::error_category& StoreCategory();

inline std::error_code make_error_code(StoreErrc e) { return {static_cast<int>(e), StoreCategory()}; }

}  // namespace eventmart

template <>
struct std::is_error_code_enum<eventmart::StoreErrc> : std::true_type {};
