// eventstore/envelope.h
// The byte layout of one stored event (the value under its position key).
//
//   value := magic(0xE7) format(0x01)
//            varint64 version
//            bytes stream
//            bytes type
//            varint32 schema_version
//            fixed64 occurred_at_ms       (little endian)
//            id[16]
//            bytes correlation_id
//            bytes causation_id
//            bytes body                   (cereal; eventstore/codec.h)
//   bytes := varint32 length, then that many bytes
//
// The position is the key (8 bytes, big endian) and is not repeated here.
#pragma once

#include <string>
#include <string_view>

#include "eventstore/event_store.h"

namespace eventmart {

// Appends the encoding of (stream, version, record) to *out.
void EncodeEnvelope(std::string_view stream, StreamVersion version, const EventRecord& record,
                    std::string* out);

// Decodes `value` stored under `position`; the view points into `value`.
// Fails with kCorruption, never reads past the end.
[[nodiscard]] Result<RecordedEventView> DecodeEnvelope(GlobalPosition position,
                                                       std::string_view value);

// 8-byte big-endian keys keep RocksDB's byte order equal to numeric order.
void PutFixed64BE(std::string* out, std::uint64_t value);
std::uint64_t DecodeFixed64BE(const char* p);

}  // namespace eventmart
