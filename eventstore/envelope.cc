#include "eventstore/envelope.h"

#include <cstring>

#include "eventstore/coding.h"
#include "eventstore/store_errors.h"

namespace eventmart {
namespace {

using coding::PutBytes;
using coding::PutVarint;
using coding::Reader;

constexpr char kMagic = static_cast<char>(0xE7);
constexpr char kFormat = 0x01;

}  // namespace

void PutFixed64BE(std::string* out, std::uint64_t value) {
  char buf[8];
  for (int i = 0; i < 8; ++i) buf[i] = static_cast<char>(value >> (56 - 8 * i));
  out->append(buf, 8);
}

std::uint64_t DecodeFixed64BE(const char* p) {
  std::uint64_t v = 0;
  for (int i = 0; i < 8; ++i) v = (v << 8) | static_cast<std::uint8_t>(p[i]);
  return v;
}

void EncodeEnvelope(std::string_view stream, StreamVersion version, const EventRecord& record,
                    std::string* out) {
  out->push_back(kMagic);
  out->push_back(kFormat);
  PutVarint(out, version);
  PutBytes(out, stream);
  PutBytes(out, record.type);
  PutVarint(out, record.schema_version);
  auto t = static_cast<std::uint64_t>(record.occurred_at_ms);
  for (int i = 0; i < 8; ++i) out->push_back(static_cast<char>(t >> (8 * i)));
  out->append(reinterpret_cast<const char*>(record.id.data()), record.id.size());
  PutBytes(out, record.correlation_id);
  PutBytes(out, record.causation_id);
  PutBytes(out, record.body);
}

Result<RecordedEventView> DecodeEnvelope(GlobalPosition position, std::string_view value) {
  auto corrupt = [position](const char* what) {
    return Fail(StoreErrc::kCorruption,
                "event at position " + std::to_string(position) + ": " + what);
  };
  if (value.size() < 2 || value[0] != kMagic) return corrupt("bad magic byte");
  if (value[1] != kFormat) return corrupt("unknown envelope format");
  Reader in(value.substr(2));
  RecordedEventView view;
  view.position = position;
  std::uint64_t schema = 0;
  unsigned char time_bytes[8];
  if (!in.Varint(&view.version) || !in.Bytes(&view.stream) || !in.Bytes(&view.type) ||
      !in.Varint(&schema) || !in.Raw(time_bytes, 8) || !in.Raw(view.id.data(), view.id.size()) ||
      !in.Bytes(&view.correlation_id) || !in.Bytes(&view.causation_id) || !in.Bytes(&view.body)) {
    return corrupt("truncated envelope");
  }
  if (!in.empty()) return corrupt("trailing bytes after envelope");
  if (schema > 0xFFFFFFFFu) return corrupt("schema version out of range");
  view.schema_version = static_cast<std::uint32_t>(schema);
  std::uint64_t t = 0;
  for (int i = 7; i >= 0; --i) t = (t << 8) | time_bytes[i];
  view.occurred_at_ms = static_cast<std::int64_t>(t);
  if (view.stream.empty() || view.version == 0) return corrupt("missing stream or version");
  return view;
}

}  // namespace eventmart
