#include "eventstore/codec.h"

#include "eventstore/fields_codec.h"
#include "eventstore/store_errors.h"

namespace eventmart {
namespace {

template <class E>
Result<DomainEvent> DecodeAs(std::uint32_t schema_version, std::string_view body) {
  if (schema_version == 0 || schema_version > E::kVersion) {
    return Fail(StoreErrc::kUnsupportedVersion,
                std::string(E::kType) + " v" + std::to_string(schema_version));
  }
  auto event = DecodeFields<E>(body, schema_version);
  if (!event) return Fail(StoreErrc::kCorruption, std::string(E::kType) + ": " + event.error().detail);
  return DomainEvent(std::move(*event));
}

template <std::size_t I = 0>
Result<DomainEvent> Dispatch(std::string_view type, std::uint32_t schema_version,
                             std::string_view body) {
  if constexpr (I == std::variant_size_v<DomainEvent>) {
    return Fail(StoreErrc::kUnknownEventType, std::string(type));
  } else {
    using E = std::variant_alternative_t<I, DomainEvent>;
    if (type == E::kType) return DecodeAs<E>(schema_version, body);
    return Dispatch<I + 1>(type, schema_version, body);
  }
}

}  // namespace

std::string_view TypeOf(const DomainEvent& event) {
  return std::visit([](const auto& e) { return std::decay_t<decltype(e)>::kType; }, event);
}

EventRecord EncodeEvent(const DomainEvent& event, EventMeta meta) {
  EventRecord record;
  record.id = meta.id;
  record.occurred_at_ms = meta.occurred_at_ms;
  record.correlation_id = std::move(meta.correlation_id);
  record.causation_id = std::move(meta.causation_id);
  std::visit(
      [&](const auto& e) {
        using E = std::decay_t<decltype(e)>;
        record.type = std::string(E::kType);
        record.schema_version = E::kVersion;
        EncodeFields(e, &record.body);
      },
      event);
  return record;
}

Result<DomainEvent> DecodeEvent(std::string_view type, std::uint32_t schema_version,
                                std::string_view body) {
  return Dispatch(type, schema_version, body);
}

}  // namespace eventmart
